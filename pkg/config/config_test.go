package config_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/config"
)

type settings struct {
	fs       *config.FlagSet
	addr     *string
	natsURL  *string
	workers  *int
	shutdown *time.Duration
	debug    *bool
}

func define() settings {
	fs := config.NewFlagSet("caseload")
	fs.SetOutput(new(bytes.Buffer))
	return settings{
		fs:       fs,
		addr:     fs.String("grpc-addr", "127.0.0.1:7001", "gRPC listen address"),
		natsURL:  fs.String("nats-url", "nats://127.0.0.1:4222", "NATS server URL", "CP_NATS_URL"),
		workers:  fs.Int("workers", 4, "relay workers"),
		shutdown: fs.Duration("shutdown-timeout", 10*time.Second, "graceful shutdown bound"),
		debug:    fs.Bool("debug", false, "debug logging", "CP_DEBUG"),
	}
}

func TestPrecedence(t *testing.T) {
	type want struct {
		addr, nats string
		workers    int
		shutdown   time.Duration
		debug      bool
		addrSource string
		natsSource string
	}
	defaults := want{"127.0.0.1:7001", "nats://127.0.0.1:4222", 4, 10 * time.Second, false, "default", "default"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want want
	}{
		{name: "defaults", want: defaults},
		{
			name: "service env",
			env: map[string]string{
				"CP_CASELOAD_GRPC_ADDR": "0.0.0.0:9000", "CP_CASELOAD_WORKERS": "8",
				"CP_CASELOAD_SHUTDOWN_TIMEOUT": "3s", "CP_CASELOAD_DEBUG": "true",
			},
			want: want{"0.0.0.0:9000", "nats://127.0.0.1:4222", 8, 3 * time.Second, true, "CP_CASELOAD_GRPC_ADDR", "default"},
		},
		{
			name: "shared env",
			env:  map[string]string{"CP_NATS_URL": "nats://nats-1:4222", "CP_DEBUG": "1"},
			want: want{"127.0.0.1:7001", "nats://nats-1:4222", 4, 10 * time.Second, true, "default", "CP_NATS_URL"},
		},
		{
			name: "service env beats shared",
			env:  map[string]string{"CP_NATS_URL": "nats://shared:4222", "CP_CASELOAD_NATS_URL": "nats://mine:4222"},
			want: want{"127.0.0.1:7001", "nats://mine:4222", 4, 10 * time.Second, false, "default", "CP_CASELOAD_NATS_URL"},
		},
		{
			name: "no blanket shared fallback for ports",
			env:  map[string]string{"CP_GRPC_ADDR": "0.0.0.0:1"},
			want: defaults,
		},
		{
			name: "another service's variable is ignored",
			env:  map[string]string{"CP_PLACEMENT_GRPC_ADDR": "0.0.0.0:7002"},
			want: defaults,
		},
		{
			name: "flag beats env",
			env:  map[string]string{"CP_CASELOAD_GRPC_ADDR": "0.0.0.0:9000", "CP_NATS_URL": "nats://shared:4222", "CP_CASELOAD_DEBUG": "true"},
			args: []string{"-grpc-addr", "127.0.0.1:1234", "--nats-url=nats://flag:4222", "-debug=false"},
			want: want{"127.0.0.1:1234", "nats://flag:4222", 4, 10 * time.Second, false, "flag", "flag"},
		},
		{
			name: "empty env is unset",
			env:  map[string]string{"CP_CASELOAD_WORKERS": "", "CP_CASELOAD_NATS_URL": "", "CP_NATS_URL": "nats://shared:4222"},
			want: want{"127.0.0.1:7001", "nats://shared:4222", 4, 10 * time.Second, false, "default", "CP_NATS_URL"},
		},
		{
			name: "bare bool flag",
			args: []string{"-debug"},
			want: want{"127.0.0.1:7001", "nats://127.0.0.1:4222", 4, 10 * time.Second, true, "default", "default"},
		},
		{
			name: "hex int",
			env:  map[string]string{"CP_CASELOAD_WORKERS": "0x10"},
			want: want{"127.0.0.1:7001", "nats://127.0.0.1:4222", 16, 10 * time.Second, false, "default", "default"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			s := define()
			if err := s.fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got := want{*s.addr, *s.natsURL, *s.workers, *s.shutdown, *s.debug, s.fs.Source("grpc-addr"), s.fs.Source("nats-url")}
			if got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestInvalidEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantIn  []string
		wantOut []string
	}{
		{"bad int", map[string]string{"CP_CASELOAD_WORKERS": "lots-secret"},
			[]string{"CP_CASELOAD_WORKERS", "-workers", "want int", "parse error"}, []string{"lots-secret"}},
		{"int out of range", map[string]string{"CP_CASELOAD_WORKERS": "99999999999999999999999"},
			[]string{"CP_CASELOAD_WORKERS", "out of range"}, []string{"9999"}},
		{"bad duration", map[string]string{"CP_CASELOAD_SHUTDOWN_TIMEOUT": "10 seconds"},
			[]string{"CP_CASELOAD_SHUTDOWN_TIMEOUT", "want duration"}, []string{"10 seconds"}},
		{"bad shared bool", map[string]string{"CP_DEBUG": "maybe"},
			[]string{"CP_DEBUG", "-debug", "want bool"}, []string{"maybe"}},
		{"every bad variable is reported", map[string]string{"CP_CASELOAD_WORKERS": "x", "CP_DEBUG": "y"},
			[]string{"CP_CASELOAD_WORKERS", "CP_DEBUG"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			s := define()
			err := s.fs.Parse(nil)
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, w := range tt.wantOut {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q echoes the value %q", err, w)
				}
			}
		})
	}
}

func TestBadFlag(t *testing.T) {
	s := define()
	if err := s.fs.Parse([]string{"-workers", "x"}); err == nil {
		t.Fatal("bad flag value accepted")
	}
	s = define()
	if err := s.fs.Parse([]string{"-no-such-flag"}); err == nil {
		t.Fatal("unknown flag accepted")
	}
}

func TestHelpShowsEnvNames(t *testing.T) {
	fs := config.NewFlagSet("care-leaver")
	var out bytes.Buffer
	fs.SetOutput(&out)
	fs.String("grpc-addr", "127.0.0.1:7003", "gRPC listen address")
	fs.String("nats-url", "", "NATS server URL", "CP_NATS_URL")
	err := fs.Parse([]string{"-h"})
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("Parse(-h) = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{
		"Usage of care-leaver",
		"-grpc-addr string", "(env CP_CARE_LEAVER_GRPC_ADDR)", `(default "127.0.0.1:7003")`,
		"-nats-url", "(env CP_CARE_LEAVER_NATS_URL, CP_NATS_URL)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage does not contain %q:\n%s", want, out.String())
		}
	}
	if got := fs.EnvName("shutdown.timeout"); got != "CP_CARE_LEAVER_SHUTDOWN_TIMEOUT" {
		t.Errorf("EnvName = %q", got)
	}
}

func TestArgs(t *testing.T) {
	s := define()
	if err := s.fs.Parse([]string{"-workers", "2", "seed", "scenario.md"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.fs.Args(), " "); got != "seed scenario.md" || *s.workers != 2 {
		t.Fatalf("Args = %q, workers = %d", got, *s.workers)
	}
}

func TestLogLevel(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    slog.Level
		wantErr bool
	}{
		{"default", nil, nil, slog.LevelInfo, false},
		{"flag", []string{"-log-level", "debug"}, nil, slog.LevelDebug, false},
		{"service env", nil, map[string]string{"CP_CASELOAD_LOG_LEVEL": "warn"}, slog.LevelWarn, false},
		{"shared env", nil, map[string]string{"CP_LOG_LEVEL": "error"}, slog.LevelError, false},
		{"flag beats env", []string{"-log-level", "debug"}, map[string]string{"CP_LOG_LEVEL": "error"}, slog.LevelDebug, false},
		{"bad flag", []string{"-log-level", "loud"}, nil, 0, true},
		{"bad env", nil, map[string]string{"CP_LOG_LEVEL": "loud"}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs := config.NewFlagSet("caseload")
			fs.SetOutput(io.Discard)
			level := fs.LogLevel(slog.LevelInfo)
			err := fs.Parse(tc.args)
			if tc.wantErr {
				if err == nil {
					t.Fatal("Parse accepted a bad log level")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if level.Level() != tc.want {
				t.Fatalf("level %v, want %v", level.Level(), tc.want)
			}
		})
	}
}

// A mode flag is never switched on by the environment: a container's
// health-check variable must not turn the service itself into a probe.
func TestModeIgnoresEnvironment(t *testing.T) {
	t.Setenv("CP_CASELOAD_HEALTHCHECK", "true")
	fs := config.NewFlagSet("caseload")
	hc := fs.Mode("healthcheck", "probe and exit")
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if *hc {
		t.Fatal("CP_CASELOAD_HEALTHCHECK switched the mode on")
	}
	fs = config.NewFlagSet("caseload")
	hc = fs.Mode("healthcheck", "probe and exit")
	if err := fs.Parse([]string{"-healthcheck"}); err != nil {
		t.Fatal(err)
	}
	if !*hc {
		t.Fatal("-healthcheck on the command line did not switch the mode on")
	}
}
