// With network access: `go mod tidy && go run .` after generating gen/ (see the README's "Clients" section).
// Pinned to what Debian 12 packages and the interop test builds against offline.
module tensorwall.example/client

go 1.19

require (
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1
)
