// Package deploy holds the suite's deployment files and their tests:
//
//   - docker/: a Dockerfile per image (FROM scratch, static binaries), built
//     by scripts/images.sh;
//   - nats/: the NATS JetStream cluster configuration docker-compose.yml
//     runs;
//   - k8s/: Kubernetes manifests, a StatefulSet with a persistent volume per
//     service and a three-node NATS cluster.
//
// The manifests test decodes every manifest strictly into the Kubernetes API
// types, so a misspelt field fails CI. The compose test (build tag compose,
// run by scripts/compose-test.sh) runs docker-compose.yml for real: a NATS
// node stopped while writes go on, every event counted once, a service's data
// kept across a new container.
package deploy
