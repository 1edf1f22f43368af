// Package config reads a service's settings from command-line flags, with
// environment variables as the fallback containers use.
//
// Precedence, highest first: the flag on the command line; the service's own
// variable CP_<SERVICE>_<FLAG>; any shared variables named when the flag was
// defined (e.g. CP_NATS_URL, which every service reads the same way); the
// default. Shared variables are opt-in per flag: a blanket CP_<FLAG> fallback
// would let one CP_GRPC_ADDR give four services the same port.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"
)

// FlagSet is a flag.FlagSet that knows its environment fallbacks.
type FlagSet struct {
	service string
	fs      *flag.FlagSet
	envs    map[string][]string // flag name → env names, in precedence order
	source  map[string]string   // flag name → where its value came from
}

// NewFlagSet starts the settings of one service, e.g. "caseload".
func NewFlagSet(service string) *FlagSet {
	f := &FlagSet{
		service: service,
		fs:      flag.NewFlagSet(service, flag.ContinueOnError),
		envs:    map[string][]string{},
		source:  map[string]string{},
	}
	f.fs.Usage = func() {
		fmt.Fprintf(f.fs.Output(), "Usage of %s:\n", service)
		f.fs.PrintDefaults()
		fmt.Fprintf(f.fs.Output(), "\nEach flag falls back to the environment variables shown; the command line wins.\n")
	}
	return f
}

// EnvName is the service's own variable for a flag: CP_<SERVICE>_<FLAG>,
// upper case, with '-' and '.' as '_'.
func (f *FlagSet) EnvName(flagName string) string {
	return "CP_" + envWord(f.service) + "_" + envWord(flagName)
}

func envWord(s string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(s))
}

// SetOutput sets where usage and parse errors are written (default stderr).
func (f *FlagSet) SetOutput(w io.Writer) { f.fs.SetOutput(w) }

// Var defines a flag of any flag.Value type. shared lists extra environment
// variables consulted after the service's own, in order.
func (f *FlagSet) Var(v flag.Value, name, usage string, shared ...string) {
	f.fs.Var(v, name, f.withEnv(name, usage, shared))
}

// withEnv records a flag's variables and appends them to its usage text.
func (f *FlagSet) withEnv(name, usage string, shared []string) string {
	names := append([]string{f.EnvName(name)}, shared...)
	f.envs[name] = names
	return usage + " (env " + strings.Join(names, ", ") + ")"
}

// String defines a string flag.
func (f *FlagSet) String(name, value, usage string, shared ...string) *string {
	return f.fs.String(name, value, f.withEnv(name, usage, shared))
}

// Int defines an int flag (decimal, or 0x… / 0o… / 0b…).
func (f *FlagSet) Int(name string, value int, usage string, shared ...string) *int {
	return f.fs.Int(name, value, f.withEnv(name, usage, shared))
}

// Duration defines a time.Duration flag ("10s", "1m30s").
func (f *FlagSet) Duration(name string, value time.Duration, usage string, shared ...string) *time.Duration {
	return f.fs.Duration(name, value, f.withEnv(name, usage, shared))
}

// Bool defines a bool flag; the environment accepts what strconv.ParseBool
// does (1, t, true, 0, f, false, …).
func (f *FlagSet) Bool(name string, value bool, usage string, shared ...string) *bool {
	return f.fs.Bool(name, value, f.withEnv(name, usage, shared))
}

// Mode defines a bool flag read from the command line only, for a mode of
// the command (-healthcheck) rather than a setting: a container's
// environment, which every process in it inherits, must never switch the
// service itself into that mode.
func (f *FlagSet) Mode(name, usage string) *bool {
	return f.fs.Bool(name, false, usage+" (command line only)")
}

// Parse reads args (without the program name), then fills every flag not
// given on the command line from its environment variables. An empty
// variable counts as unset, as compose files often pass "FOO=" for an unset
// value. A variable that does not parse is an error naming the variable,
// never echoing its value (it may be a secret).
func (f *FlagSet) Parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) {
		set[fl.Name] = true
		f.source[fl.Name] = "flag"
	})
	var problems []error
	f.fs.VisitAll(func(fl *flag.Flag) {
		if set[fl.Name] {
			return
		}
		f.source[fl.Name] = "default"
		for _, env := range f.envs[fl.Name] {
			v, ok := os.LookupEnv(env)
			if !ok || v == "" {
				continue
			}
			// The flag package's Set errors ("parse error", "value out of
			// range") do not echo the value; add the expected type.
			if err := fl.Value.Set(v); err != nil {
				kind, _ := flag.UnquoteUsage(fl)
				if kind == "" {
					kind = "bool"
				}
				problems = append(problems, fmt.Errorf("config: environment variable %s (for -%s, want %s): %v", env, fl.Name, kind, err))
			}
			f.source[fl.Name] = env
			return
		}
	})
	return errors.Join(problems...)
}

// Args returns the arguments left after the flags.
func (f *FlagSet) Args() []string { return f.fs.Args() }

// Source says where a flag's value came from after Parse: "flag", the name
// of the environment variable, or "default". Services log it at start-up so
// an operator can see why a setting has the value it has.
func (f *FlagSet) Source(name string) string { return f.source[name] }

// PrintDefaults writes the usage text, with each flag's variables, to the
// output set by SetOutput.
func (f *FlagSet) PrintDefaults() { f.fs.Usage() }

// levelFlag is a slog.LevelVar as a flag.Value.
type levelFlag struct{ v *slog.LevelVar }

func (l levelFlag) String() string {
	if l.v == nil {
		return ""
	}
	return strings.ToLower(l.v.Level().String())
}

func (l levelFlag) Set(s string) error { return l.v.UnmarshalText([]byte(s)) }

// LogLevel declares the -log-level flag every command has (debug, info,
// warn, error), falling back to CP_<SERVICE>_LOG_LEVEL and then the shared
// CP_LOG_LEVEL. The returned level is set by Parse; pass it to a slog
// handler's Options.Level.
func (f *FlagSet) LogLevel(def slog.Level) *slog.LevelVar {
	v := new(slog.LevelVar)
	v.Set(def)
	f.Var(levelFlag{v}, "log-level", "log level: debug, info, warn, error", "CP_LOG_LEVEL")
	return v
}
