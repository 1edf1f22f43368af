package deploy

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// manifest is one YAML document of deploy/k8s, decoded.
type manifest struct {
	file string
	kind string
	name string
	obj  any
}

// kinds are the API types the manifests may use, by apiVersion and kind.
// A kind not listed fails the test: add it here with its Go type.
var kinds = map[string]func() any{
	"v1/ConfigMap":                  func() any { return new(corev1.ConfigMap) },
	"v1/Service":                    func() any { return new(corev1.Service) },
	"apps/v1/StatefulSet":           func() any { return new(appsv1.StatefulSet) },
	"policy/v1/PodDisruptionBudget": func() any { return new(policyv1.PodDisruptionBudget) },
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decode splits a file into documents and decodes each strictly: an
// unknown or misspelt field, a duplicate field, or a value of the wrong
// type is an error.
func decode(file string, data []byte) ([]manifest, error) {
	var out []manifest
	for i, doc := range docSep.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			return nil, fmt.Errorf("%s document %d: %w", file, i+1, err)
		}
		gvk := tm.APIVersion + "/" + tm.Kind
		newObj, ok := kinds[gvk]
		if !ok {
			return nil, fmt.Errorf("%s document %d: unknown apiVersion/kind %q", file, i+1, gvk)
		}
		obj := newObj()
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			return nil, fmt.Errorf("%s document %d (%s): %w", file, i+1, tm.Kind, err)
		}
		name := obj.(metav1.Object).GetName()
		if name == "" {
			return nil, fmt.Errorf("%s document %d (%s): no metadata.name", file, i+1, tm.Kind)
		}
		out = append(out, manifest{file: file, kind: tm.Kind, name: name, obj: obj})
	}
	return out, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func loadManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in k8s/: %v", err)
	}
	var all []manifest
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := decode(f, data)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ms...)
	}
	return all
}

// The decoder is strict: a misspelt field, a duplicate, a wrong type and
// an unknown kind each fail.
func TestDecodeIsStrict(t *testing.T) {
	good := "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: 1\n"
	if _, err := decode("good", []byte("# comment\n---\n"+good+"---\n")); err != nil {
		t.Fatalf("good manifest: %v", err)
	}
	for name, doc := range map[string]string{
		"misspelt field":  strings.Replace(good, "ports:", "portz:", 1),
		"duplicate field": good + "  ports: []\n",
		"wrong type":      strings.Replace(good, "port: 1", "port: one", 1),
		"unknown kind":    strings.Replace(good, "kind: Service", "kind: Servise", 1),
		"no name":         strings.Replace(good, "name: x", "labels: {}", 1),
	} {
		if _, err := decode(name, []byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Every manifest decodes strictly into its Kubernetes type, and the objects
// fit together: selectors select, ports and volumes named exist, every
// pod runs as non-root with probes and a persistent volume.
func TestManifests(t *testing.T) {
	all := loadManifests(t)
	byKind := map[string]map[string]any{}
	for _, m := range all {
		if byKind[m.kind] == nil {
			byKind[m.kind] = map[string]any{}
		}
		if _, dup := byKind[m.kind][m.name]; dup {
			t.Errorf("%s %s defined twice", m.kind, m.name)
		}
		byKind[m.kind][m.name] = m.obj
	}
	sets := byKind["StatefulSet"]
	for _, want := range []string{"nats", "caseload", "placement", "careleaver", "metrics"} {
		if sets[want] == nil {
			t.Errorf("no StatefulSet %s", want)
		}
	}
	grpcPorts := map[string]int32{"caseload": 7101, "placement": 7102, "careleaver": 7103, "metrics": 7104}

	for name, o := range sets {
		ss := o.(*appsv1.StatefulSet)
		pod := ss.Spec.Template
		if ss.Spec.Selector == nil || !selects(ss.Spec.Selector.MatchLabels, pod.Labels) {
			t.Errorf("StatefulSet %s: selector %v does not select its pods %v", name, ss.Spec.Selector, pod.Labels)
		}
		if byKind["Service"][ss.Spec.ServiceName] == nil {
			t.Errorf("StatefulSet %s: serviceName %q is not a Service", name, ss.Spec.ServiceName)
		}
		if len(ss.Spec.VolumeClaimTemplates) == 0 {
			t.Errorf("StatefulSet %s: no persistent volume", name)
		}
		if port, ok := grpcPorts[name]; ok && (ss.Spec.Replicas == nil || *ss.Spec.Replicas != 1) && name != "metrics" {
			t.Errorf("StatefulSet %s: a writing service runs one replica (port %d)", name, port)
		}
		psc := pod.Spec.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 || psc.FSGroup == nil {
			t.Errorf("StatefulSet %s: pods must run as a non-root user with an fsGroup", name)
		}
		volumes := map[string]bool{}
		for _, v := range pod.Spec.Volumes {
			volumes[v.Name] = true
			if v.ConfigMap != nil && byKind["ConfigMap"][v.ConfigMap.Name] == nil {
				t.Errorf("StatefulSet %s: volume %s names ConfigMap %s, not defined", name, v.Name, v.ConfigMap.Name)
			}
		}
		for _, c := range ss.Spec.VolumeClaimTemplates {
			volumes[c.Name] = true
		}
		for _, c := range pod.Spec.Containers {
			where := fmt.Sprintf("StatefulSet %s container %s", name, c.Name)
			if c.Image == "" {
				t.Errorf("%s: no image", where)
			}
			if c.ReadinessProbe == nil || c.LivenessProbe == nil {
				t.Errorf("%s: needs readiness and liveness probes", where)
			}
			if port, ok := grpcPorts[name]; ok {
				for _, p := range []*corev1.Probe{c.StartupProbe, c.ReadinessProbe, c.LivenessProbe} {
					if p == nil || p.GRPC == nil || p.GRPC.Port != port {
						t.Errorf("%s: probes must be gRPC health on port %d", where, port)
						break
					}
				}
			}
			ports := map[string]bool{}
			for _, p := range c.Ports {
				ports[p.Name] = true
			}
			for _, p := range []*corev1.Probe{c.StartupProbe, c.ReadinessProbe, c.LivenessProbe} {
				if p != nil && p.HTTPGet != nil && p.HTTPGet.Port.StrVal != "" && !ports[p.HTTPGet.Port.StrVal] {
					t.Errorf("%s: probe port %s is not a container port", where, p.HTTPGet.Port.StrVal)
				}
			}
			for _, m := range c.VolumeMounts {
				if !volumes[m.Name] {
					t.Errorf("%s: mounts unknown volume %s", where, m.Name)
				}
			}
			if sc := c.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation must be false", where)
			}
		}
	}

	for name, o := range byKind["Service"] {
		svc := o.(*corev1.Service)
		var target *appsv1.StatefulSet
		for _, s := range sets {
			if ss := s.(*appsv1.StatefulSet); selects(svc.Spec.Selector, ss.Spec.Template.Labels) {
				target = ss
			}
		}
		if target == nil {
			t.Errorf("Service %s selects no StatefulSet's pods (%v)", name, svc.Spec.Selector)
			continue
		}
		ports := map[string]bool{}
		for _, c := range target.Spec.Template.Spec.Containers {
			for _, p := range c.Ports {
				ports[p.Name] = true
			}
		}
		for _, p := range svc.Spec.Ports {
			if p.TargetPort.StrVal != "" && !ports[p.TargetPort.StrVal] {
				t.Errorf("Service %s: targetPort %s is not a port of %s", name, p.TargetPort.StrVal, target.Name)
			}
		}
	}

	for name, o := range byKind["PodDisruptionBudget"] {
		pdb := o.(*policyv1.PodDisruptionBudget)
		ss, _ := sets[name].(*appsv1.StatefulSet)
		if ss == nil || pdb.Spec.Selector == nil || !selects(pdb.Spec.Selector.MatchLabels, ss.Spec.Template.Labels) {
			t.Errorf("PodDisruptionBudget %s selects no StatefulSet's pods", name)
		}
	}

	// The NATS cluster: three nodes, JetStream fsyncing every write, a
	// route to each node.
	cm, _ := byKind["ConfigMap"]["nats-config"].(*corev1.ConfigMap)
	if cm == nil {
		t.Fatal("no ConfigMap nats-config")
	}
	conf := cm.Data["nats.conf"]
	for _, want := range []string{"sync_interval: always", "nats-0.nats:6222", "nats-1.nats:6222", "nats-2.nats:6222", "server_name: $POD_NAME"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nats.conf lacks %q", want)
		}
	}
	if ss, _ := sets["nats"].(*appsv1.StatefulSet); ss == nil || ss.Spec.Replicas == nil || *ss.Spec.Replicas != 3 {
		t.Error("NATS must run three nodes")
	}
	// The services use the three-replica streams and every node.
	for name := range grpcPorts {
		ss, _ := sets[name].(*appsv1.StatefulSet)
		if ss == nil {
			continue
		}
		env := map[string]string{}
		for _, e := range ss.Spec.Template.Spec.Containers[0].Env {
			env[e.Name] = e.Value
		}
		if !strings.Contains(env["CP_NATS_URL"], "nats-2.nats:4222") {
			t.Errorf("%s: CP_NATS_URL %q does not list every node", name, env["CP_NATS_URL"])
		}
		if name != "metrics" && env["CP_STREAM_REPLICAS"] != "3" {
			t.Errorf("%s: CP_STREAM_REPLICAS %q, want 3", name, env["CP_STREAM_REPLICAS"])
		}
	}
}

// The compose file: every service and NATS node has a named volume, the
// services have health checks and three-replica streams, and the NATS
// settings are those of deploy/nats/nats.conf. (scripts/compose-test.sh
// also runs "docker-compose config" and the file for real.)
func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Version  string `json:"version"`
		Services map[string]struct {
			Image       string            `json:"image"`
			Environment map[string]string `json:"environment"`
			Volumes     []string          `json:"volumes"`
			Healthcheck *struct {
				Test []string `json:"test"`
			} `json:"healthcheck"`
			DependsOn map[string]struct {
				Condition string `json:"condition"`
			} `json:"depends_on"`
		} `json:"services"`
		Volumes map[string]any `json:"volumes"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Version != "2.4" {
		t.Errorf("version %q: docker-compose 1.29 needs 2.4 for depends_on conditions", f.Version)
	}
	names := slices.Sorted(maps.Keys(f.Services))
	if want := []string{"careleaver", "caseload", "metrics", "nats-1", "nats-2", "nats-3", "placement"}; !slices.Equal(names, want) {
		t.Errorf("services %v, want %v", names, want)
	}
	for name, s := range f.Services {
		var volume string
		for _, v := range s.Volumes {
			if src, dst, _ := strings.Cut(v, ":"); strings.HasPrefix(dst, "/data") {
				volume = src
			}
		}
		if _, declared := f.Volumes[volume]; volume != name+"-data" || !declared {
			t.Errorf("%s: data volume %q, want the named volume %s-data", name, volume, name)
		}
		if strings.HasPrefix(name, "nats-") {
			if s.Image != "${NATS_IMAGE:-nats:2.15}" {
				t.Errorf("%s: image %q, want it from NATS_IMAGE", name, s.Image)
			}
			continue
		}
		if s.Healthcheck == nil || !slices.Equal(s.Healthcheck.Test, []string{"CMD", "/" + name, "-healthcheck"}) {
			t.Errorf("%s: health check %v", name, s.Healthcheck)
		}
		if !strings.Contains(s.Environment["CP_NATS_URL"], "nats-3:4222") {
			t.Errorf("%s: CP_NATS_URL %q", name, s.Environment["CP_NATS_URL"])
		}
		if s.Environment["CP_STREAM_REPLICAS"] != "3" {
			t.Errorf("%s: CP_STREAM_REPLICAS %q", name, s.Environment["CP_STREAM_REPLICAS"])
		}
		if len(s.DependsOn) == 0 {
			t.Errorf("%s: no start-up ordering", name)
		}
	}
	conf, err := os.ReadFile(filepath.Join("nats", "nats.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]byte{[]byte("sync_interval: always"), []byte("nats://nats-1:6222"), []byte("nats://nats-3:6222")} {
		if !bytes.Contains(conf, want) {
			t.Errorf("nats/nats.conf lacks %s", want)
		}
	}
}

// selects reports whether every label of sel is on labels.
func selects(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}
