# Sourced by scripts: builds the pinned code generators into .bin/ (once; the Go
# build cache makes later runs fast) and puts them first on PATH.
#   buf                 tools/go.mod (kept outside go.work: ~100 modules of its own)
#   protoc-gen-go       tool line in pkg/go.mod (same protobuf as the runtime)
#   protoc-gen-go-grpc  tool line in pkg/go.mod
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/.bin"
mkdir -p "$BIN"
(cd "$ROOT/tools" && GOWORK=off go build -o "$BIN/buf" github.com/bufbuild/buf/cmd/buf)
(cd "$ROOT/pkg" && GOWORK=off go build -o "$BIN/" google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc)
export PATH="$BIN:$PATH"
