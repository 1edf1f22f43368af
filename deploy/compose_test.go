//go:build compose

package deploy

// The compose test runs docker-compose.yml for real, with the images
// scripts/images.sh builds (scripts/compose-test.sh builds them and runs
// this test with -tags compose). It needs a Docker engine and
// docker-compose 1.29; it does not skip without them.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	// London dates on a host without zoneinfo.
	_ "time/tzdata"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/testutil"
	"github.com/corporate-parenting/suite/pkg/testutil/figures"
)

// services are the four services and their published gRPC port variables.
var services = []struct{ name, portVar string }{
	{"caseload", "CP_CASELOAD_PORT"},
	{"placement", "CP_PLACEMENT_PORT"},
	{"careleaver", "CP_CARELEAVER_PORT"},
	{"metrics", "CP_METRICS_PORT"},
}

// The council's own local authority (placement's default): placements
// there are inside the boundary.
const insideLA, outsideLA = "E08000026", "E08000025"

// compose drives one docker-compose project.
type compose struct {
	t       *testing.T
	file    string
	project string
	env     []string
	ports   map[string]string // service (or "scorecard") → published host port
}

func newCompose(t *testing.T) *compose {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	c := &compose{t: t, file: filepath.Join(root, "docker-compose.yml"), ports: map[string]string{}}
	c.project = os.Getenv("CP_COMPOSE_PROJECT")
	if c.project == "" {
		c.project = "cpcompose" + strconv.Itoa(os.Getpid())
	}
	c.env = os.Environ()
	if os.Getenv("NATS_IMAGE") == "" {
		// The official image cannot be pulled here: the locally built one.
		c.env = append(c.env, "NATS_IMAGE=corporate-parenting/nats:dev")
	}
	// Free host ports, so the test runs beside a suite already on 7101...
	for _, s := range services {
		c.ports[s.name] = freePort(t)
		c.env = append(c.env, s.portVar+"="+c.ports[s.name])
	}
	c.ports["scorecard"] = freePort(t)
	c.env = append(c.env, "CP_SCORECARD_PORT="+c.ports["scorecard"], "CP_PUBLISH_HOST=127.0.0.1", "CP_LOG_LEVEL=info")
	return c
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// run runs docker-compose with args, logging its output.
func (c *compose) run(timeout time.Duration, args ...string) (string, error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker-compose", append([]string{"-f", c.file, "-p", c.project}, args...)...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	c.t.Logf("docker-compose %s (%v)\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	return string(out), err
}

func (c *compose) must(timeout time.Duration, args ...string) string {
	c.t.Helper()
	out, err := c.run(timeout, args...)
	if err != nil {
		c.t.Fatalf("docker-compose %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// container is the id of a service's container.
func (c *compose) container(svc string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker-compose", "-f", c.file, "-p", c.project, "ps", "-q", svc)
	cmd.Env = c.env
	out, err := cmd.Output()
	id := strings.TrimSpace(string(out))
	if err != nil || id == "" {
		c.t.Fatalf("no container for %s: %v", svc, err)
	}
	return id
}

func docker(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// waitHealthy waits for the services' containers to report healthy (their
// "-healthcheck" HEALTHCHECK) and to answer gRPC health on the published
// ports.
func (c *compose) waitHealthy(names ...string) {
	c.t.Helper()
	for _, svc := range names {
		id := c.container(svc)
		testutil.CheckFor(c.t, 3*time.Minute, time.Second, func() error {
			st, err := docker("inspect", "-f", "{{.State.Health.Status}}", id)
			if err != nil {
				return fmt.Errorf("%s: %v %s", svc, err, st)
			}
			if st != "healthy" {
				return fmt.Errorf("%s is %s", svc, st)
			}
			return nil
		})
		hc := healthpb.NewHealthClient(c.dial(svc))
		testutil.CheckFor(c.t, time.Minute, 200*time.Millisecond, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
			if err != nil {
				return err
			}
			if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				return fmt.Errorf("%s: %v", svc, resp.GetStatus())
			}
			return nil
		})
	}
}

func (c *compose) dial(svc string) *grpc.ClientConn {
	c.t.Helper()
	conn, err := grpc.NewClient("127.0.0.1:"+c.ports[svc], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// retry calls f until it succeeds or fails with something other than a
// transient gRPC error. Writes carry request ids, so a retry is safe.
func retry(f func(ctx context.Context) error) error {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = f(ctx)
		cancel()
		switch status.Code(err) {
		case codes.OK:
			return nil
		case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted:
			time.Sleep(250 * time.Millisecond)
			continue
		}
		return err
	}
	return err
}

// council writes through the published gRPC ports and keeps count of what
// the Board's figures should then be.
type council struct {
	caseload   caseloadv1.CaseloadServiceClient
	placement  placementv1.PlacementServiceClient
	careleaver careleaverv1.CareLeaverServiceClient
	today      time.Time

	mu             sync.Mutex
	n              int
	foster, homes  int               // looked after, by placement
	leavers        int               // care leavers
	contacted      int               // care leavers with a keeping-in-touch contact
	placementTypes map[string]string // child id → placement type written
	leaverIDs      []string
	writes         int
}

func date(t time.Time) string { return t.Format(time.DateOnly) }

// child registers a child, starts a period of care 60 days ago and a
// placement: foster inside the boundary, or a children's home outside it.
func (c *council) child(foster bool) error {
	c.mu.Lock()
	c.n++
	i := c.n
	c.mu.Unlock()
	start := date(c.today.AddDate(0, 0, -60))
	var id string
	if err := retry(func(ctx context.Context) error {
		resp, err := c.caseload.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{
			RequestId: fmt.Sprintf("compose-reg-%d", i), LaChildId: fmt.Sprintf("CMP%04d", i),
			GivenName: "Synthetic", FamilyName: fmt.Sprintf("Compose%d", i),
			DateOfBirth: date(c.today.AddDate(-10, 0, -i)), Sex: "F", Ethnicity: "WBRI",
		})
		if err == nil {
			id = resp.GetChild().GetChildId()
		}
		return err
	}); err != nil {
		return fmt.Errorf("RegisterChild %d: %w", i, err)
	}
	if err := retry(func(ctx context.Context) error {
		_, err := c.caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{
			RequestId: fmt.Sprintf("compose-start-%d", i), ChildId: id, StartDate: start, LegalStatus: "C2", CategoryOfNeed: "N1",
		})
		return err
	}); err != nil {
		return fmt.Errorf("StartPeriodOfCare %d: %w", i, err)
	}
	place, la, provider := "K2", outsideLA, "PR4"
	if foster {
		place, la, provider = "U4", insideLA, "PR1"
	}
	if err := retry(func(ctx context.Context) error {
		_, err := c.placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{
			RequestId: fmt.Sprintf("compose-pl-%d", i), ChildId: id, StartDate: start,
			Details: &placementv1.PlacementDetails{PlacementType: place, Provider: provider, Urn: fmt.Sprintf("SC%06d", 300000+i),
				CarerId: fmt.Sprintf("carer-%d", i), PlacementLocalAuthority: la},
		})
		return err
	}); err != nil {
		return fmt.Errorf("StartPlacement %d: %w", i, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if foster {
		c.foster++
	} else {
		c.homes++
	}
	c.placementTypes[id] = place
	c.writes += 3
	return nil
}

// leaver writes a young person looked after from 14 whose care ended at
// 17 two months ago: the careleaver service opens their record from the
// caseload events.
func (c *council) leaver() (string, error) {
	c.mu.Lock()
	c.n++
	i := c.n
	c.mu.Unlock()
	dob := c.today.AddDate(-17, 0, -200)
	start, end := date(dob.AddDate(14, 3, 0)), date(c.today.AddDate(0, -2, 0))
	var id string
	if err := retry(func(ctx context.Context) error {
		resp, err := c.caseload.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{
			RequestId: fmt.Sprintf("compose-reg-%d", i), LaChildId: fmt.Sprintf("CMP%04d", i),
			GivenName: "Synthetic", FamilyName: fmt.Sprintf("Leaver%d", i),
			DateOfBirth: date(dob), Sex: "M", Ethnicity: "WBRI",
		})
		if err == nil {
			id = resp.GetChild().GetChildId()
		}
		return err
	}); err != nil {
		return "", fmt.Errorf("RegisterChild %d: %w", i, err)
	}
	steps := []struct {
		what string
		call func(ctx context.Context) error
	}{
		{"StartPeriodOfCare", func(ctx context.Context) error {
			_, err := c.caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{
				RequestId: fmt.Sprintf("compose-start-%d", i), ChildId: id, StartDate: start, LegalStatus: "C2", CategoryOfNeed: "N1"})
			return err
		}},
		{"StartPlacement", func(ctx context.Context) error {
			_, err := c.placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{
				RequestId: fmt.Sprintf("compose-pl-%d", i), ChildId: id, StartDate: start,
				Details: &placementv1.PlacementDetails{PlacementType: "U6", Provider: "PR1", Urn: fmt.Sprintf("SC%06d", 300000+i),
					CarerId: fmt.Sprintf("carer-%d", i), PlacementLocalAuthority: insideLA}})
			return err
		}},
		{"EndPlacement", func(ctx context.Context) error {
			_, err := c.placement.EndPlacement(ctx, &placementv1.EndPlacementRequest{
				RequestId: fmt.Sprintf("compose-plend-%d", i), ChildId: id, EndDate: end})
			return err
		}},
		{"EndPeriodOfCare", func(ctx context.Context) error {
			_, err := c.caseload.EndPeriodOfCare(ctx, &caseloadv1.EndPeriodOfCareRequest{
				RequestId: fmt.Sprintf("compose-end-%d", i), ChildId: id, EndDate: end, ReasonCeased: "E6"})
			return err
		}},
	}
	for _, s := range steps {
		if err := retry(s.call); err != nil {
			return "", fmt.Errorf("%s %d: %w", s.what, i, err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.leavers++
	c.leaverIDs = append(c.leaverIDs, id)
	c.writes += 5
	return id, nil
}

// contact records a keeping-in-touch contact once the care leaver's record
// has opened (from the events).
func (c *council) contact(t *testing.T, id string) {
	t.Helper()
	testutil.CheckFor(t, 2*time.Minute, 200*time.Millisecond, func() error {
		_, err := c.careleaver.GetCareLeaver(context.Background(), &careleaverv1.GetCareLeaverRequest{ChildId: id})
		return err
	})
	if err := retry(func(ctx context.Context) error {
		_, err := c.careleaver.RecordContact(ctx, &careleaverv1.RecordContactRequest{
			RequestId: "compose-contact-" + id, ChildId: id, ContactDate: date(c.today.AddDate(0, 0, -1)),
			InTouch: "YES", Activity: "F2", Accommodation: "U1"})
		return err
	}); err != nil {
		t.Fatalf("RecordContact: %v", err)
	}
	c.mu.Lock()
	c.contacted++
	c.writes++
	c.mu.Unlock()
}

// figures are what the Board's indicators must be after the writes.
func (c *council) figures() figures.Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	cla := int64(c.foster + c.homes)
	return figures.Counts{
		"cla_count/dfe/all":                 {cla, 0},
		"placement_foster/dfe/all":          {int64(c.foster), cla},
		"placement_childrens_homes/dfe/all": {int64(c.homes), cla},
		"placed_inside_boundary/dfe/all":    {int64(c.foster), cla},
		"care_leaver_count/dfe/all":         {int64(c.leavers), 0},
		"care_leavers_in_touch/local/all":   {int64(c.contacted), int64(c.leavers)},
	}
}

// waitFigures waits until metrics shows exactly the figures written: an
// event lost is a figure short, an event counted twice a figure over.
func waitFigures(t *testing.T, m metricsv1.MetricsServiceClient, want figures.Counts) {
	t.Helper()
	testutil.CheckFor(t, 2*time.Minute, 250*time.Millisecond, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return figures.Match(ctx, m, want)
	})
}

// reconcile checks metrics' live totals against a recount from the three
// source services: zero differences.
func reconcile(t *testing.T, m metricsv1.MetricsServiceClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := figures.Reconcile(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Reconcile: %d figures compared, no difference", n)
}

// natsJS connects to the cluster through the containers' addresses on the
// project network (the compose file publishes no NATS port).
func (c *compose) natsJS() jetstream.JetStream {
	c.t.Helper()
	var urls []string
	for _, node := range []string{"nats-1", "nats-2", "nats-3"} {
		ip, err := docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", c.container(node))
		if err != nil || ip == "" {
			c.t.Fatalf("%s address: %v %q", node, err, ip)
		}
		urls = append(urls, "nats://"+ip+":4222")
	}
	nc, err := nats.Connect(strings.Join(urls, ","), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		c.t.Fatal(err)
	}
	return js
}

// streamsReplicated waits until each stream has three replicas, all
// current: the node that was stopped has caught up.
func streamsReplicated(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	for _, name := range []string{"CASELOAD", "PLACEMENT", "CARELEAVER"} {
		testutil.CheckFor(t, 2*time.Minute, 500*time.Millisecond, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			st, err := js.Stream(ctx, name)
			if err != nil {
				return err
			}
			info, err := st.Info(ctx)
			if err != nil {
				return err
			}
			if info.Config.Replicas != 3 {
				return fmt.Errorf("%s: %d replicas, want 3", name, info.Config.Replicas)
			}
			if info.Cluster == nil || info.Cluster.Leader == "" || len(info.Cluster.Replicas) != 2 {
				return fmt.Errorf("%s: cluster %+v", name, info.Cluster)
			}
			for _, p := range info.Cluster.Replicas {
				if !p.Current || p.Offline {
					return fmt.Errorf("%s: replica %s current=%v offline=%v lag=%d", name, p.Name, p.Current, p.Offline, p.Lag)
				}
			}
			t.Logf("stream %s: %d messages, leader %s, replicas current", name, info.State.Msgs, info.Cluster.Leader)
			return nil
		})
	}
}

var appliedLine = regexp.MustCompile(`(?m)^cp_metrics_events_applied_total\{[^}]*durable="([^"]+)"[^}]*\} (\S+)$`)

// appliedOnce waits until the metrics service has applied each stream's
// every message exactly once: its applied counter (which leaves out the
// duplicates it skips) equals the stream's message count, so no event was
// lost and none reached the stream twice.
func appliedOnce(t *testing.T, js jetstream.JetStream, httpPort string) {
	t.Helper()
	durables := map[string]string{"CASELOAD": "metrics-caseload", "PLACEMENT": "metrics-placement", "CARELEAVER": "metrics-careleaver"}
	testutil.CheckFor(t, time.Minute, 250*time.Millisecond, func() error {
		resp, err := http.Get("http://127.0.0.1:" + httpPort + "/metrics")
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		applied := map[string]string{}
		for _, m := range appliedLine.FindAllStringSubmatch(string(body), -1) {
			applied[m[1]] = m[2]
		}
		for stream, durable := range durables {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, err := js.Stream(ctx, stream)
			var info *jetstream.StreamInfo
			if err == nil {
				info, err = st.Info(ctx)
			}
			cancel()
			if err != nil {
				return err
			}
			if want := strconv.FormatUint(info.State.Msgs, 10); applied[durable] != want {
				return fmt.Errorf("%s applied %q events, stream %s holds %s", durable, applied[durable], stream, want)
			}
		}
		t.Logf("metrics applied every event of the three streams once: %v", applied)
		return nil
	})
}

func TestCompose(t *testing.T) {
	began := time.Now()
	c := newCompose(t)
	// Whatever happens, the project goes, volumes and all (the script's
	// trap repeats this in case the test binary itself is killed).
	t.Cleanup(func() {
		if t.Failed() {
			_, _ = c.run(time.Minute, "ps")
			_, _ = c.run(2*time.Minute, "logs", "--no-color", "--tail=80")
		}
		if _, err := c.run(5*time.Minute, "down", "-v", "--remove-orphans", "-t", "5"); err != nil {
			t.Errorf("docker-compose down: %v", err)
		}
	})

	c.must(time.Minute, "config", "-q")
	c.must(10*time.Minute, "up", "-d")
	c.waitHealthy("caseload", "placement", "careleaver", "metrics")
	t.Logf("up and healthy after %v", time.Since(began).Round(time.Second))

	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	w := &council{
		caseload:       caseloadv1.NewCaseloadServiceClient(c.dial("caseload")),
		placement:      placementv1.NewPlacementServiceClient(c.dial("placement")),
		careleaver:     careleaverv1.NewCareLeaverServiceClient(c.dial("careleaver")),
		today:          time.Now().In(london),
		placementTypes: map[string]string{},
	}
	metrics := metricsv1.NewMetricsServiceClient(c.dial("metrics"))
	js := c.natsJS()

	// 1. With the whole cluster.
	for i := range 6 {
		if err := w.child(i%3 != 0); err != nil {
			t.Fatal(err)
		}
	}
	first, err := w.leaver()
	if err != nil {
		t.Fatal(err)
	}
	waitFigures(t, metrics, w.figures())
	streamsReplicated(t, js)

	// 2. One NATS node stopped while writes go on: before, during and
	// after the stop. The streams keep a quorum of two.
	stopWriting := make(chan struct{})
	written := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stopWriting:
				written <- nil
				return
			default:
			}
			if err := w.child(i%2 == 0); err != nil {
				written <- err
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	time.Sleep(300 * time.Millisecond)
	c.must(2*time.Minute, "stop", "-t", "10", "nats-2")
	second, err := w.leaver()
	if err != nil {
		t.Fatal(err)
	}
	w.contact(t, first)
	time.Sleep(2 * time.Second)
	close(stopWriting)
	if err := <-written; err != nil {
		t.Fatalf("writing while nats-2 stopped: %v", err)
	}
	waitFigures(t, metrics, w.figures())
	t.Logf("with nats-2 stopped: %d children written, figures right", w.n)

	// 3. The node back: it catches up; writes go on.
	c.must(2*time.Minute, "start", "nats-2")
	for i := range 4 {
		if err := w.child(i%2 == 1); err != nil {
			t.Fatal(err)
		}
	}
	w.contact(t, second)
	streamsReplicated(t, js)
	waitFigures(t, metrics, w.figures())
	reconcile(t, metrics)
	appliedOnce(t, js, c.ports["scorecard"])

	// The scorecard page is published.
	resp, err := http.Get("http://127.0.0.1:" + c.ports["scorecard"] + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Children looked after") {
		t.Fatalf("scorecard: %s\n%.300s", resp.Status, page)
	}

	// 4. New containers for placement and metrics (removed, then created
	// again; rm first: docker-compose 1.29 can fail recreating with
	// "KeyError: 'ContainerConfig'" on recent engines): the data is on
	// their volumes.
	for _, svc := range []string{"placement", "metrics"} {
		old := c.container(svc)
		c.must(2*time.Minute, "rm", "-s", "-f", svc)
		c.must(5*time.Minute, "up", "-d", "--no-deps", svc)
		if id := c.container(svc); id == old {
			t.Fatalf("%s: the same container %s after rm", svc, id)
		}
	}
	c.waitHealthy("placement", "metrics")
	w.placement = placementv1.NewPlacementServiceClient(c.dial("placement"))
	metrics = metricsv1.NewMetricsServiceClient(c.dial("metrics"))
	for id, place := range w.placementTypes {
		var got string
		if err := retry(func(ctx context.Context) error {
			resp, err := w.placement.GetCurrentPlacement(ctx, &placementv1.GetCurrentPlacementRequest{ChildId: id})
			got = resp.GetPlacement().GetPlacementType()
			return err
		}); err != nil || got != place {
			t.Fatalf("placement of %s after a new container: %q, %v; want %s", id, got, err, place)
		}
	}
	waitFigures(t, metrics, w.figures())
	// And the pipeline goes on from where the volumes left it.
	if err := w.child(true); err != nil {
		t.Fatal(err)
	}
	waitFigures(t, metrics, w.figures())
	reconcile(t, metrics)
	streamsReplicated(t, js)

	f := w.figures()
	t.Logf("compose test: %d children and young people, %d writes, cla_count %d, care leavers %d, in %v",
		w.n, w.writes, f["cla_count/dfe/all"][0], f["care_leaver_count/dfe/all"][0], time.Since(began).Round(time.Second))
}
