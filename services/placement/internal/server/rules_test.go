package server_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/ssda903"

	"github.com/corporate-parenting/suite/services/placement/internal/testenv"
)

// Each write-time 903 rule that concerns placements, over real gRPC against
// the real caseload service: a refused write returns the field violation
// naming the DfE rule, writes nothing and leaves no event in the outbox (so
// none can be published). The rule logic itself is tested in pkg/ssda903;
// these cases show the service wires each rule to the right call and field.
// The default child was born 2015-06-01 and is looked after under C2 from
// 2025-04-01; today is 2025-11-03 (2025/26).
func TestRulesOverGRPC(t *testing.T) {
	e := start(t)
	def := testenv.ChildSpec{}
	v3 := testenv.ChildSpec{LegalStatus: "V3", CareStart: "2025-10-20"}
	u6 := details("U6", "PR4", "SC000003", "carer-6", council)
	tests := []struct {
		name  string
		child testenv.ChildSpec
		setup []call
		call  call
		code  codes.Code
		field string
		rule  string
	}{
		// Accepted writes: the rules pass where they should.
		{"foster inside with distance", def, nil, startPl("2025-04-01", withGrid(fosterDetails(), 530000, 180000, 533000, 184000)), codes.OK, "", ""},
		{"218 no URN needed outside England", def, nil, startPl("2025-04-01", details("U4", "PR1", "", "c", "WAL")), codes.OK, "", ""},
		{"222 XXXXXXX allowed on an exempt type", def, nil, startPl("2025-04-01", details("P1", "PR0", "XXXXXXX", "", council)), codes.OK, "", ""},
		{"1015 own provision fostering outside", def, nil, startPl("2025-04-01", details("U4", "PR1", "SC1", "c", "E09000001")), codes.OK, "", ""},
		{"217 A3 with the same carer", def, []call{startPl("2025-04-01", fosterDetails())},
			change("2025-06-01", "CARPL", details("A3", "PR1", "SC1", "carer-1", council)), codes.OK, "", ""},
		{"375 T1 of 42 days", def, []call{startPl("2025-04-01", fosterDetails()), tempStart("2025-05-01", "T1")},
			tempEnd("2025-06-12"), codes.OK, "", ""},
		{"373 residential school at 9", def, nil, startPl("2025-04-01", details("S1", "PR4", "SC1", "", council)), codes.OK, "", ""},
		{"225 change with a reason", def, []call{startPl("2025-04-01", fosterDetails())}, change("2025-06-01", "CREQB", homeDetails()), codes.OK, "", ""},

		// Codes valid in the year.
		{"146 unknown placement type", def, nil, startPl("2025-04-01", details("Q1", "PR4", "SC1", "", council)), codes.InvalidArgument, "details.placement_type", "903:146"},
		{"146 H5 not valid in 2025/26", def, nil, startPl("2025-04-01", details("H5", "PR4", "SC1", "", council)), codes.InvalidArgument, "details.placement_type", "903:146"},
		{"178 unknown provider", def, nil, startPl("2025-04-01", details("U4", "PR9", "SC1", "", council)), codes.InvalidArgument, "details.provider", "903:178"},
		{"1009 unknown reason for change", def, []call{startPl("2025-04-01", fosterDetails())}, change("2025-06-01", "NOPE", homeDetails()), codes.InvalidArgument, "reason_for_change", "903:1009"},

		// Provider against placement type.
		{"526 provider required", def, nil, startPl("2025-04-01", details("U4", "", "SC1", "", council)), codes.InvalidArgument, "details.provider", "903:526"},
		{"213 no provider for Z11", def, nil, startPl("2025-04-01", details("Z11", "PR4", "", "", council)), codes.InvalidArgument, "details.provider", "903:213"},
		{"550 PR0 only with P1", def, nil, startPl("2025-04-01", details("U4", "PR0", "SC1", "", council)), codes.InvalidArgument, "details.provider", "903:550"},
		{"527 PR1 not with R2", def, nil, startPl("2025-04-01", details("R2", "PR1", "", "", council)), codes.InvalidArgument, "details.provider", "903:527"},
		{"528 PR2 not with P1", def, nil, startPl("2025-04-01", details("P1", "PR2", "", "", council)), codes.InvalidArgument, "details.provider", "903:528"},
		{"529 PR3 not with fostering", def, nil, startPl("2025-04-01", details("U4", "PR3", "SC1", "", council)), codes.InvalidArgument, "details.provider", "903:529"},
		{"530 PR4 not with P1", def, nil, startPl("2025-04-01", details("P1", "PR4", "", "", council)), codes.InvalidArgument, "details.provider", "903:530"},
		{"531 PR5 not with P1", def, nil, startPl("2025-04-01", details("P1", "PR5", "", "", council)), codes.InvalidArgument, "details.provider", "903:531"},
		{"1015 own provision children's home outside", def, nil, startPl("2025-04-01", details("K2", "PR1", "SC1", "", "E09000001")), codes.InvalidArgument, "details.provider", "903:1015"},

		// URN.
		{"218 URN required", def, nil, startPl("2025-04-01", details("U4", "PR1", "", "", council)), codes.InvalidArgument, "details.urn", "903:218"},
		{"222 no URN for placed with parents", def, nil, startPl("2025-04-01", details("P1", "PR0", "SC1", "", council)), codes.InvalidArgument, "details.urn", "903:222"},

		// Minimum ages at the start.
		{"370 P2 under 16 in 2023/24", testenv.ChildSpec{DOB: "2008-01-01", CareStart: "2023-04-01"}, nil,
			startPl("2023-06-01", details("P2", "PR4", "SC1", "", council)), codes.InvalidArgument, "details.placement_type", "903:370"},
		{"371 K3 under 16", testenv.ChildSpec{DOB: "2010-01-01"}, nil, startPl("2025-04-01", details("K3", "PR4", "SC1", "", council)), codes.InvalidArgument, "details.placement_type", "903:371"},
		{"372 R5 under 10", def, nil, startPl("2025-04-01", details("R5", "PR4", "", "", council)), codes.InvalidArgument, "details.placement_type", "903:372"},
		{"373 S1 under 4", testenv.ChildSpec{DOB: "2022-01-01"}, nil, startPl("2025-04-01", details("S1", "PR4", "SC1", "", council)), codes.InvalidArgument, "details.placement_type", "903:373"},
		{"374 P3 under 14", testenv.ChildSpec{DOB: "2012-01-01"}, nil, startPl("2025-04-01", details("P3", "PR4", "", "", council)), codes.InvalidArgument, "details.placement_type", "903:374"},

		// Temporary placements.
		{"375 T1 over 42 days", def, []call{startPl("2025-04-01", fosterDetails()), tempStart("2025-05-01", "T1")},
			tempEnd("2025-06-13"), codes.FailedPrecondition, "end_date", "903:375"},
		{"376 T3 over 21 days", def, []call{startPl("2025-04-01", fosterDetails()), tempStart("2025-05-01", "T3")},
			tempEnd("2025-05-23"), codes.FailedPrecondition, "end_date", "903:376"},
		{"379 T4 over 7 days", def, []call{startPl("2025-04-01", fosterDetails()), tempStart("2025-05-01", "T4")},
			tempEnd("2025-05-09"), codes.FailedPrecondition, "end_date", "903:379"},
		{"377 a third T3 in 12 months", def, []call{startPl("2025-04-01", fosterDetails()),
			tempStart("2025-05-01", "T3"), tempEnd("2025-05-05"), tempStart("2025-06-01", "T3"), tempEnd("2025-06-05")},
			tempStart("2025-07-01", "T3"), codes.FailedPrecondition, "placement_type", "903:377"},
		{"380 temporary with nothing to interrupt", def, nil, tempStart("2025-05-01", "T1"), codes.FailedPrecondition, "start_date", "903:380"},
		{"380 temporary as a first placement", def, nil, startPl("2025-04-01", details("T1", "", "", "", "")), codes.FailedPrecondition, "details.placement_type", "903:380"},
		{"381 a temporary placement cannot just end", def, []call{startPl("2025-04-01", fosterDetails()), tempStart("2025-05-01", "T1")},
			end("2025-05-10"), codes.FailedPrecondition, "end_date", "903:381"},
		{"383 after a temporary placement the child returns", def, []call{startPl("2025-04-01", fosterDetails()), tempStart("2025-05-01", "T2")},
			change("2025-05-05", "", homeDetails()), codes.FailedPrecondition, "details.placement_type", "903:383"},
		{"temporary type must be T0-T4", def, []call{startPl("2025-04-01", fosterDetails())}, tempStart("2025-05-01", "U4"),
			codes.InvalidArgument, "placement_type", ssda903.RuleTemporaryType},

		// Reason for placement change.
		{"225 reason required", def, []call{startPl("2025-04-01", fosterDetails())}, change("2025-06-01", "", homeDetails()), codes.InvalidArgument, "reason_for_change", "903:225"},
		{"226 no reason on a move from a temporary placement", def, []call{startPl("2025-04-01", fosterDetails()), tempStart("2025-05-01", "T2")},
			change("2025-05-05", "CARPL", fosterDetails()), codes.InvalidArgument, "reason_for_change", "903:226"},
		{"234 CUSTOD under 10", def, []call{startPl("2025-04-01", fosterDetails())}, change("2025-05-01", "CUSTOD", homeDetails()), codes.InvalidArgument, "reason_for_change", "903:234"},

		// Placement type against legal status and carer.
		{"378 P1 not under V2", testenv.ChildSpec{LegalStatus: "V2"}, nil, startPl("2025-04-01", details("P1", "PR0", "", "", council)), codes.InvalidArgument, "details.placement_type", "903:378"},
		{"382 short breaks not in a temporary placement", v3, []call{startPl("2025-10-20", u6)}, tempStart("2025-10-25", "T4"), codes.InvalidArgument, "placement_type", "903:382"},
		{"384 short breaks not in long-term fostering", v3, nil, startPl("2025-10-20", details("U4", "PR4", "SC1", "", council)), codes.InvalidArgument, "details.placement_type", "903:384"},
		{"408 A5 needs a placement order", def, nil, startPl("2025-04-01", details("A5", "PR1", "SC1", "", council)), codes.InvalidArgument, "details.placement_type", "903:408"},
		{"217 A3 with a new carer", def, []call{startPl("2025-04-01", fosterDetails())},
			change("2025-06-01", "CARPL", details("A3", "PR1", "SC1", "carer-2", council)), codes.InvalidArgument, "details.placement_type", "903:217"},

		// Distance.
		{"406 no distance for a UASC", testenv.ChildSpec{UASC: true}, nil, startPl("2025-04-01", withGrid(fosterDetails(), 530000, 180000, 533000, 184000)),
			codes.InvalidArgument, "details.home_grid", "903:406"},
		{"398 no distance for short breaks", v3, nil, startPl("2025-10-20", withGrid(u6, 530000, 180000, 533000, 184000)), codes.InvalidArgument, "details.home_grid", "903:398"},
		{"392d foster care at the home address", def, nil, startPl("2025-04-01", withGrid(fosterDetails(), 530000, 180000, 530000, 180000)), codes.InvalidArgument, "details.placement_grid", "903:392d"},
		{"392d placed with parents at the home address allowed", def, nil, startPl("2025-04-01", withGrid(details("P1", "PR0", "", "", council), 530000, 180000, 530000, 180000)), codes.OK, "", ""},
		{"454 over 350 miles", def, nil, startPl("2025-04-01", withGrid(fosterDetails(), 100000, 100000, 600000, 1000000)), codes.InvalidArgument, "details.placement_grid", "903:454"},

		// Dates and the child's history.
		{"354 start in the future", def, nil, startPl("2025-12-01", fosterDetails()), codes.InvalidArgument, "start_date", "903:354"},
		{"385 end in the future", def, []call{startPl("2025-04-01", fosterDetails())}, end("2025-12-01"), codes.InvalidArgument, "end_date", "903:385"},
		{"355 change on the day the placement began", def, []call{startPl("2025-04-01", fosterDetails())}, change("2025-04-01", "CARPL", homeDetails()), codes.FailedPrecondition, "change_date", "903:355"},
		{"355 end on the day the placement began", def, []call{startPl("2025-04-01", fosterDetails())}, end("2025-04-01"), codes.FailedPrecondition, "end_date", "903:355"},
		{"501 already placed", def, []call{startPl("2025-04-01", fosterDetails())}, startPl("2025-05-01", homeDetails()), codes.FailedPrecondition, "start_date", "903:501"},
		{"not looked after before care began", def, nil, startPl("2025-03-01", fosterDetails()), codes.FailedPrecondition, "start_date", ssda903.RuleLookedAfter},
		{"not looked after at all", testenv.ChildSpec{CareStart: "-"}, nil, startPl("2025-04-01", fosterDetails()), codes.FailedPrecondition, "start_date", ssda903.RuleLookedAfter},
		{"no current placement to change", def, nil, change("2025-05-01", "CARPL", homeDetails()), codes.FailedPrecondition, "change_date", ssda903.RuleCurrentPlacement},
		{"no current placement to end", def, nil, end("2025-05-01"), codes.FailedPrecondition, "end_date", ssda903.RuleCurrentPlacement},
		{"no temporary placement to end", def, []call{startPl("2025-04-01", fosterDetails())}, tempEnd("2025-05-01"), codes.FailedPrecondition, "end_date", ssda903.RuleCurrentPlacement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			child := e.cl.Child(t, tt.child)
			for i, s := range tt.setup {
				if err := s(e, child); err != nil {
					t.Fatalf("setup step %d: %v", i, err)
				}
			}
			before, outbox := e.history(child), e.outbox()
			err := tt.call(e, child)
			if got := code(err); got != tt.code {
				t.Fatalf("code %v (%v), want %v", got, err, tt.code)
			}
			if tt.code == codes.OK {
				if e.outbox() != outbox+1 {
					t.Errorf("an accepted write left %d events, want 1", e.outbox()-outbox)
				}
				return
			}
			if !hasViolation(err, tt.field, tt.rule) {
				t.Errorf("violations %v, want %s on %s", violations(err), tt.rule, tt.field)
			}
			after := e.history(child)
			if len(after) != len(before) {
				t.Fatalf("history changed: %d placements, was %d", len(after), len(before))
			}
			for i := range after {
				if !proto.Equal(after[i], before[i]) {
					t.Errorf("placement %d changed:\n%v\nwas\n%v", i, after[i], before[i])
				}
			}
			if n := e.outbox(); n != outbox {
				t.Errorf("a refused write left %d events", n-outbox)
			}
		})
	}
}
