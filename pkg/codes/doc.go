// Package codes holds the SSDA903 code lists, once, as data, with the
// collection years in which each code is valid. Every service gets its code
// lists, code predicates, placement groups, distance bands and care-leaver
// age bands from here, so a rule and a metric can never disagree about what
// a code means.
//
// Sources: the shared reference ssda903-codes.md (cited below as "codes doc
// §n") and validation-rules.md (cited as "rules doc row n"). Rule ids are DfE
// 903 validation rule codes, written as in pkg/errs: "903:146".
//
// # Years
//
// A [CollectionYear] is the year that starts on 1 April: 2025 means 2025/26
// (1 April 2025 – 31 March 2026). Each [Code] carries From and To years,
// both inclusive. From 0 means "valid since before the earliest year we
// model" (so historical records, e.g. from 2019, still validate); To 0 means
// "still valid". The earliest ruleset modelled in detail is 2022/23.
//
// # Case
//
// Codes are compared exactly, upper-case as the DfE writes them. The
// open-source validator's 2024/25 rule 146 lists "k3" in lower case (a bug,
// rules doc "Known defects"); here K3 is upper-case and valid from 2024/25.
//
// This package depends on the standard library only.
package codes
