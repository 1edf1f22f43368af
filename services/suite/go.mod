module github.com/corporate-parenting/suite/services/suite

go 1.26.0

require (
	github.com/corporate-parenting/suite/pkg v0.0.0
	github.com/corporate-parenting/suite/services/careleaver v0.0.0
	github.com/corporate-parenting/suite/services/caseload v0.0.0
	github.com/corporate-parenting/suite/services/metrics v0.0.0
	github.com/corporate-parenting/suite/services/placement v0.0.0
	github.com/google/uuid v1.6.0
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261026165753-2ffab32bce7e
	google.golang.org/grpc v1.85.0
)

require (
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace (
	github.com/corporate-parenting/suite/pkg => ../../pkg
	github.com/corporate-parenting/suite/services/careleaver => ../careleaver
	github.com/corporate-parenting/suite/services/caseload => ../caseload
	github.com/corporate-parenting/suite/services/metrics => ../metrics
	github.com/corporate-parenting/suite/services/placement => ../placement
)
