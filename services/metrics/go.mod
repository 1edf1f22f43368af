module github.com/corporate-parenting/suite/services/metrics

go 1.26.0

require github.com/corporate-parenting/suite/pkg v0.0.0

replace github.com/corporate-parenting/suite/pkg => ../../pkg
