// Package procs runs the corporate parenting suite as separate processes:
// a standalone nats-server with JetStream (sync_interval always, its own
// store directory) and the four services' own binaries, each a child
// process with its own data directory, ports and log file. It builds the
// binaries (Build), starts them in order and waits until each is ready
// (NATS: /healthz on its monitoring port, which checks JetStream; a
// service: gRPC health SERVING), and can kill -9, stop and restart any one
// of them. The fault test and `suite -processes` use it.
//
// Children are put in their own process group (a Ctrl-C at the terminal
// reaches only the parent, which stops them in order) and are sent SIGKILL
// by the kernel if the parent dies.
package procs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Defaults of zero Config fields.
const (
	DefaultReadyTimeout = 90 * time.Second
	DefaultStopTimeout  = 20 * time.Second
)

// Config configures a separate-process suite.
type Config struct {
	// BinDir holds the five programs (see Binaries, Build). Required.
	BinDir string
	// DataDir holds the data. Required. Each service gets DataDir/<name>
	// and nats-server DataDir/nats, unless SharedDataDir is set.
	DataDir string
	// SharedDataDir puts every service's <name>.db directly in DataDir and
	// the JetStream store in DataDir/nats: the layout of the all-in-one
	// suite, so the two ways of running it share a data directory.
	SharedDataDir bool
	// LogDir receives <name>.log for each process (appended to across
	// restarts) and nats-server.conf. Default DataDir/logs.
	LogDir string
	// Host is the address every listener binds (127.0.0.1).
	Host string
	// NATSPort is nats-server's client port; 0 picks a free port.
	NATSPort int
	// NATSMonitorPort is nats-server's HTTP monitoring port (readiness is
	// read from its /healthz); 0 picks a free port.
	NATSMonitorPort int
	// BasePort numbers the services' ports as the all-in-one suite does:
	// caseload gRPC BasePort+1, placement +2, careleaver +3, metrics +4;
	// their HTTP ports +91..+94. 0 picks free ports.
	BasePort int
	// CouncilLA (placement's -council-la) and CouncilName (metrics'
	// -council-name); empty leaves the services' defaults.
	CouncilLA   string
	CouncilName string
	// LogLevel is each service's -log-level ("" leaves the default).
	LogLevel string
	// Args are extra flags for a process, by name.
	Args map[string][]string
	// Env is added to each child's environment (which is otherwise this
	// process's).
	Env []string
	// ReadyTimeout bounds the wait for a process to become ready (90 s).
	ReadyTimeout time.Duration
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL (20 s).
	StopTimeout time.Duration
}

// Proc is one child process: nats-server or a service. Its program,
// arguments, ports and log file stay the same across restarts.
type Proc struct {
	name    string
	bin     string
	args    []string
	env     []string
	logPath string
	grpc    string // service: gRPC address; nats: client host:port
	http    string // service: metrics/healthz address; nats: monitoring address

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
	state    *os.ProcessState
	stopping bool
	starts   int
}

// Name is the process's name: "nats-server" or a service's name.
func (p *Proc) Name() string { return p.name }

// LogPath is the file the process's stdout and stderr are appended to.
func (p *Proc) LogPath() string { return p.logPath }

// GRPCAddr is a service's gRPC address (for nats-server, its client
// address host:port).
func (p *Proc) GRPCAddr() string { return p.grpc }

// HTTPAddr is a service's HTTP address (/metrics, /healthz); for
// nats-server, its monitoring address.
func (p *Proc) HTTPAddr() string { return p.http }

// Args are the process's command-line arguments.
func (p *Proc) Args() []string { return append([]string{}, p.args...) }

// PID is the running process's id, 0 when it is not running.
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.state != nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Running reports whether the process is running.
func (p *Proc) Running() bool { return p.PID() != 0 }

// Starts counts how many times the process was started.
func (p *Proc) Starts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts
}

// RSS is the running process's resident set size in bytes, read from
// /proc/PID/status (VmRSS).
func (p *Proc) RSS() (int64, error) {
	pid := p.PID()
	if pid == 0 {
		return 0, fmt.Errorf("procs: %s: %w", p.name, errNotRunning)
	}
	return ReadRSS(pid)
}

// ReadRSS reads VmRSS of process pid from /proc, in bytes.
func ReadRSS(pid int) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) < 1 {
				break
			}
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("procs: /proc/%d/status: %q: %w", pid, line, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("procs: /proc/%d/status has no VmRSS", pid)
}

// Suite is nats-server and the four services running as child processes.
type Suite struct {
	cfg        Config
	procs      []*Proc // nats-server first, then Services in order
	unexpected chan error
}

// Start starts nats-server, then caseload, placement, careleaver and
// metrics, each waiting until the one before is ready. On error whatever
// was started is killed.
func Start(ctx context.Context, cfg Config) (_ *Suite, err error) {
	if cfg.BinDir == "" || cfg.DataDir == "" {
		return nil, errors.New("procs: BinDir and DataDir are required")
	}
	if !HasBinaries(cfg.BinDir) {
		return nil, fmt.Errorf("procs: %s lacks some of %v (see Build)", cfg.BinDir, Binaries)
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.LogDir == "" {
		cfg.LogDir = filepath.Join(cfg.DataDir, "logs")
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = DefaultStopTimeout
	}
	for _, d := range []string{cfg.DataDir, cfg.LogDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("procs: %w", err)
		}
	}
	s := &Suite{cfg: cfg, unexpected: make(chan error, 16)}
	if err := s.plan(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.KillAll()
		}
	}()
	for _, p := range s.procs {
		if err := s.start(ctx, p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// plan works out every process's ports, arguments and files.
func (s *Suite) plan() error {
	cfg := s.cfg
	port := func(fixed, n int) (int, error) {
		if fixed > 0 {
			return fixed + n, nil
		}
		return freePort(cfg.Host)
	}
	natsPort, err := port(cfg.NATSPort, 0)
	if err != nil {
		return err
	}
	monPort, err := port(cfg.NATSMonitorPort, 0)
	if err != nil {
		return err
	}
	natsDir := filepath.Join(cfg.DataDir, "nats")
	if err := os.MkdirAll(natsDir, 0o755); err != nil {
		return fmt.Errorf("procs: %w", err)
	}
	absNATS, err := filepath.Abs(natsDir)
	if err != nil {
		return err
	}
	natsAddr := net.JoinHostPort(cfg.Host, strconv.Itoa(natsPort))
	monAddr := net.JoinHostPort(cfg.Host, strconv.Itoa(monPort))
	conf := filepath.Join(cfg.LogDir, "nats-server.conf")
	// The standalone equivalent of natsembed's options with SyncAlways:
	// every message fsynced before it is acknowledged.
	text := fmt.Sprintf(`# written by services/suite/procs
server_name: suite
listen: %q
http: %q
jetstream {
  store_dir: %q
  sync_interval: always
}
`, natsAddr, monAddr, absNATS)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return fmt.Errorf("procs: %w", err)
	}
	s.procs = append(s.procs, s.newProc(NATSServer, []string{"-c", conf}, natsAddr, monAddr))

	natsURL := "nats://" + natsAddr
	addrs := map[string][2]string{}
	for i, name := range Services {
		g, err := port(cfg.BasePort, i+1)
		if err != nil {
			return err
		}
		h, err := port(cfg.BasePort, 91+i)
		if err != nil {
			return err
		}
		addrs[name] = [2]string{net.JoinHostPort(cfg.Host, strconv.Itoa(g)), net.JoinHostPort(cfg.Host, strconv.Itoa(h))}
	}
	for _, name := range Services {
		dataDir := cfg.DataDir
		if !cfg.SharedDataDir {
			dataDir = filepath.Join(cfg.DataDir, name)
		}
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return fmt.Errorf("procs: %w", err)
		}
		args := []string{"-grpc-addr", addrs[name][0], "-http-addr", addrs[name][1], "-data-dir", dataDir, "-nats-url", natsURL}
		if cfg.LogLevel != "" {
			args = append(args, "-log-level", cfg.LogLevel)
		}
		caseload := addrs["caseload"][0]
		switch name {
		case "placement":
			args = append(args, "-caseload-addr", caseload)
			if cfg.CouncilLA != "" {
				args = append(args, "-council-la", cfg.CouncilLA)
			}
		case "careleaver":
			args = append(args, "-caseload-addr", caseload)
		case "metrics":
			args = append(args, "-caseload-addr", caseload, "-placement-addr", addrs["placement"][0], "-careleaver-addr", addrs["careleaver"][0])
			if cfg.CouncilName != "" {
				args = append(args, "-council-name", cfg.CouncilName)
			}
		}
		s.procs = append(s.procs, s.newProc(name, args, addrs[name][0], addrs[name][1]))
	}
	return nil
}

func (s *Suite) newProc(name string, args []string, grpcAddr, httpAddr string) *Proc {
	return &Proc{
		name:    name,
		bin:     filepath.Join(s.cfg.BinDir, name),
		args:    append(args, s.cfg.Args[name]...),
		env:     append(os.Environ(), s.cfg.Env...),
		logPath: filepath.Join(s.cfg.LogDir, name+".log"),
		grpc:    grpcAddr,
		http:    httpAddr,
	}
}

func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("procs: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Procs lists the processes: nats-server, then the services in start order.
func (s *Suite) Procs() []*Proc { return append([]*Proc{}, s.procs...) }

// Proc is the named process (nil if there is none).
func (s *Suite) Proc(name string) *Proc {
	for _, p := range s.procs {
		if p.name == name {
			return p
		}
	}
	return nil
}

// Addr is the named service's gRPC address ("" if unknown).
func (s *Suite) Addr(name string) string {
	if p := s.Proc(name); p != nil && p.name != NATSServer {
		return p.grpc
	}
	return ""
}

// HTTPAddr is the named service's HTTP address ("" if unknown).
func (s *Suite) HTTPAddr(name string) string {
	if p := s.Proc(name); p != nil && p.name != NATSServer {
		return p.http
	}
	return ""
}

// NATSURL is nats-server's client URL.
func (s *Suite) NATSURL() string { return "nats://" + s.Proc(NATSServer).grpc }

// Unexpected receives an error each time a process exits that was not
// being stopped or killed through the Suite.
func (s *Suite) Unexpected() <-chan error { return s.unexpected }

func (s *Suite) must(name string) (*Proc, error) {
	p := s.Proc(name)
	if p == nil {
		return nil, fmt.Errorf("procs: no process %q", name)
	}
	return p, nil
}

// Kill sends SIGKILL to the named process and waits for it to die.
func (s *Suite) Kill(name string) error {
	p, err := s.must(name)
	if err != nil {
		return err
	}
	return p.signal(syscall.SIGKILL, 10*time.Second)
}

// Stop sends SIGTERM to the named process and waits for it to exit;
// after StopTimeout it sends SIGKILL.
func (s *Suite) Stop(name string) error {
	p, err := s.must(name)
	if err != nil {
		return err
	}
	if err := p.signal(syscall.SIGTERM, s.cfg.StopTimeout); err != nil {
		if errors.Is(err, errNotRunning) {
			return err
		}
		if kerr := p.signal(syscall.SIGKILL, 10*time.Second); kerr != nil {
			return errors.Join(err, kerr)
		}
		return fmt.Errorf("%w; killed it", err)
	}
	return nil
}

// StartProc starts the named process again (after Kill or Stop) with the
// same arguments and waits until it is ready.
func (s *Suite) StartProc(ctx context.Context, name string) error {
	p, err := s.must(name)
	if err != nil {
		return err
	}
	return s.start(ctx, p)
}

// Restart stops the named process (SIGTERM) if it runs, then starts it and
// waits until it is ready.
func (s *Suite) Restart(ctx context.Context, name string) error {
	p, err := s.must(name)
	if err != nil {
		return err
	}
	if p.Running() {
		if err := s.Stop(name); err != nil {
			return err
		}
	}
	return s.start(ctx, p)
}

// StopAll stops the services in reverse start order, then nats-server,
// each with SIGTERM (SIGKILL after StopTimeout). Processes already down are
// skipped.
func (s *Suite) StopAll() error {
	var errs []error
	for i := len(s.procs) - 1; i >= 0; i-- {
		p := s.procs[i]
		if !p.Running() {
			continue
		}
		if err := s.Stop(p.name); err != nil && !errors.Is(err, errNotRunning) {
			errs = append(errs, fmt.Errorf("%s: %w", p.name, err))
		}
	}
	return errors.Join(errs...)
}

// KillAll kills every running process (tests' cleanup).
func (s *Suite) KillAll() {
	for _, p := range s.procs {
		if p.Running() {
			_ = p.signal(syscall.SIGKILL, 10*time.Second)
		}
	}
}

// signal sends sig and waits up to wait for the process to exit.
func (p *Proc) signal(sig syscall.Signal, wait time.Duration) error {
	p.mu.Lock()
	if p.cmd == nil || p.state != nil {
		p.mu.Unlock()
		return fmt.Errorf("procs: %s: %w", p.name, errNotRunning)
	}
	p.stopping = true
	proc, done := p.cmd.Process, p.done
	p.mu.Unlock()
	if err := proc.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("procs: %s: %v: %w", p.name, sig, err)
	}
	select {
	case <-done:
		return nil
	case <-time.After(wait):
		return fmt.Errorf("procs: %s (pid %d) still running %v after %v", p.name, proc.Pid, wait, sig)
	}
}

// start starts p and waits until it is ready.
func (s *Suite) start(ctx context.Context, p *Proc) error {
	p.mu.Lock()
	if p.cmd != nil && p.state == nil {
		p.mu.Unlock()
		return fmt.Errorf("procs: %s is already running (pid %d)", p.name, p.cmd.Process.Pid)
	}
	logf, err := os.OpenFile(p.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		p.mu.Unlock()
		return fmt.Errorf("procs: %w", err)
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(logf, "--- procs: starting %s %s at %s\n", p.bin, strings.Join(p.args, " "), time.Now().Format(time.RFC3339Nano))
	err = cmd.Start()
	logf.Close()
	if err != nil {
		p.mu.Unlock()
		return fmt.Errorf("procs: start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.state, p.stopping = cmd, done, nil, false
	p.starts++
	p.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		p.mu.Lock()
		p.state = cmd.ProcessState
		expected := p.stopping
		p.mu.Unlock()
		close(done)
		if !expected {
			select {
			case s.unexpected <- fmt.Errorf("%s (pid %d) exited: %v; log: %s", p.name, cmd.Process.Pid, cmd.ProcessState, p.logPath):
			default:
			}
		}
	}()
	if err := s.awaitReady(ctx, p, done); err != nil {
		return fmt.Errorf("%w\n%s", err, tail(p.logPath, 30))
	}
	return nil
}

// awaitReady polls p's readiness until it is ready, it exits, or
// ReadyTimeout passes.
func (s *Suite) awaitReady(ctx context.Context, p *Proc, done <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ReadyTimeout)
	defer cancel()
	check := func(ctx context.Context) error { return natsReady(ctx, p.http) }
	if p.name != NATSServer {
		conn, err := grpc.NewClient(p.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return fmt.Errorf("procs: %s: %w", p.name, err)
		}
		defer conn.Close()
		hc := healthpb.NewHealthClient(conn)
		check = func(ctx context.Context) error {
			resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
			if err != nil {
				return err
			}
			if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				return fmt.Errorf("health %v", resp.GetStatus())
			}
			return nil
		}
	}
	var last error
	for {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		last = check(actx)
		acancel()
		if last == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("procs: %s exited before it was ready (%v); log %s", p.name, p.exitState(), p.logPath)
		case <-ctx.Done():
			return fmt.Errorf("procs: %s not ready within %v: %v; log %s", p.name, s.cfg.ReadyTimeout, last, p.logPath)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *Proc) exitState() *os.ProcessState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// natsReady asks nats-server's monitoring port whether it, and JetStream,
// are ready.
func natsReady(ctx context.Context, monitor string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+monitor+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz: %s", resp.Status)
	}
	return nil
}

// tail returns the last n lines of the file at path, leaving out the
// services' one line per gRPC call.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if !strings.Contains(line, `"msg":"grpc call"`) {
			lines = append(lines, line)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "last lines of " + path + ":\n" + strings.Join(lines, "\n")
}
