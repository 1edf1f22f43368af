// Package ssda903 holds the SSDA903 (children looked after) rules over one
// child's care, once, as pure functions: no I/O, no gRPC, no storage, no
// protobuf. The caseload service calls it for legal-status and period
// writes, the placement service for placement writes, the care-leaver
// service for contacts, and metrics for the OC3 cohort.
//
// # Shape
//
// Caseload holds a [CareTimeline] (date of birth, UASC, periods of care with
// their legal-status spells); placement holds a [PlacementTimeline]. The 903
// episode list is their [Merge]: RNE, REC X1 and REASON_PLACE_CHANGE are
// computed, never typed in (architecture "903 episodes are derived").
//
// Each Check function returns []errs.Violation: Field is the request field
// the caller used ("legal_status", "details.placement_type", ...), Rule the
// DfE rule id ("903:358") or, where no DfE rule applies, one of the Rule*
// constants of this package, and Message plain English. [Err] turns them
// into the domain error: FailedPrecondition when any violation is a conflict
// with the child's history ([IsConflict]), InvalidArgument otherwise. Code
// lists come only from pkg/codes, for the collection year of the record's
// date (codes.YearOfDate); dates and ages from pkg/clock ("looked after on
// d" means DECOM ≤ d < DEC; a person attains an age at the start of the
// birthday).
//
// Each rule is written once, in a small rule function with its DfE id in
// the comment beside it, and called from every write it bears on: e.g. the
// legal-status/placement pairs (378, 382, 384, 408, 217, 1015, 398) run on
// the merged episodes both when caseload changes a legal status and when
// placement starts a placement.
//
// # Readings of the rules
//
//   - "Not after the end of the collection year" (354 DECOM, 385 DEC) is
//     "not after today" for a live system; today is passed in as now.
//   - 358: J1–J3 need the child to be 10 or over at DECOM; a DECOM on the
//     10th birthday is allowed (the open-source validator flags it).
//   - 370–374 and 375/376/379: checked on open placements too (the
//     open-source validator drops rows with no DEC). The temporary-placement
//     limits are checked when the temporary placement ends — by a return, a
//     change of placement, or an end — because only then is its length
//     known; rule 381 forbids leaving one open at the end of a period, so
//     every temporary placement is checked eventually.
//   - 377 counts T3 placements starting in any 12 months over the whole
//     history (the open-source validator counts across the whole file).
//   - 217 is checked on the episode in which an A3/A5 placement starts; a
//     later change of legal status alone (RNE L) is not a move.
//   - 218/222 use the year of the placement's start.
//   - 383 (2025/26) is enforced from 2025/26: a change of placement out of a
//     temporary placement must return the child to the interrupted one;
//     [PlacementTimeline.Resume] builds that placement.
//   - 234 (CUSTOD not under 10) is applied in every year: a child under 10
//     cannot be in custody in England.
//   - 345: IN_TOUCH is compared without regard to case (not copying the
//     validator's case-sensitive comparison); such a code fails 131 anyway.
//   - 391, 1007 and 1016 decide who is in the OC3 return ([InOC3Cohort]),
//     never whether a contact may be recorded.
//   - 142, 357, 388, 431–436 and 501 hold by construction of [Merge] for
//     well-formed timelines; the writes that could break them (a new period
//     while one is open or on the day the last ended; a placement
//     overlapping another; X1 given as a period's ending) are refused.
//
// # The law behind LegalCategory
//
// Looked after (Children Act 1989 s22(1)) on d: some period has DECOM ≤ d
// and (no DEC or DEC > d). Counted: looked after under a legal status other
// than V3/V4 (the DfE's children-looked-after figures exclude short breaks).
//
// Eligible (Sch 2 para 19B(2)): a child who is (a) aged 16 or 17 and (b)
// has been looked after for a prescribed period, or periods amounting in
// all to it, which began after a prescribed age and ended after the age of
// 16. Regulation 40(1) of the Care Planning, Placement and Case Review
// (England) Regulations 2010 (SI 2010/959) prescribes 13 weeks and age 14;
// reg 40(2) (under para 19B(3)(b)) says a child to whom reg 48 applies — one
// in a pre-planned series of short-term placements, none over 17 days and
// no more than 75 days in 12 months — is not an eligible child. (The brief
// attributed reg 40 to the Care Leavers (England) Regulations 2010; the
// prescribing regulation is in SI 2010/959, as we read it.) Our reading:
//
//   - The count is of days looked after on or after the 14th birthday, up
//     to and including the day asked about, summed over all periods; 13
//     weeks is 91 days. A child whose care ran from DECOM to DEC therefore
//     counts DEC − DECOM days, the usual 903 arithmetic.
//   - Days under V3/V4 do not count, and a child is not eligible on a day
//     they are on a short break: short breaks are how the law describes a
//     reg 48 child, so a child looked after only through short breaks is
//     never eligible. A child who has full-time care as well counts only the
//     full-time days (a conservative reading of reg 40(2), which excludes
//     the reg 48 child outright and says nothing of mixed histories).
//   - "Ended after he reached the age of 16" is satisfied on any day on or
//     after the 16th birthday on which the child is looked after, so the
//     child is eligible from the first day that is at or after the 16th
//     birthday, looked after (not on a short break) and has completed the
//     91 days ([FirstEligible]); the count never falls, so the child stays
//     eligible on every later day looked after before 18.
//
// Relevant (s23A(2)): (a) not looked after, (b) was, before last ceasing to
// be looked after, an eligible child, and (c) aged 16 or 17. We read (b)
// literally: eligible at some time before the last day looked after — the
// same as eligible on the last day (DEC − 1) except for a child whose last
// care was a short break. The exclusions of the Care Leavers (England)
// Regulations 2010 (SI 2010/2571) reg 3 (a child living at home for six
// months, and the additional category of detained children) need facts the
// suite does not hold and are not evaluated.
//
// Former relevant (s23C(1)): aged 18 to 24 (duties continue to 25 under
// s23C(7) and s23CZB) and either (a) has been a relevant child, or (b) was
// looked after at 18 and an eligible child immediately before ceasing to be
// looked after. Once a child has been eligible, every later day before 18
// is a day of eligibility (looked after) or of relevance (not looked after),
// so one of the two limbs holds: a young person is former relevant from
// their 18th birthday if they were ever eligible, until their 25th birthday.
// A young person who returned home (RHOM in the OC3) stays former relevant;
// only age ends it.
//
// None, whatever the history, once the latest period ended with E2 (died),
// E3 (care taken over by another local authority — they are then looked
// after by, and later a care leaver of, that authority, s23A(2)(a) and
// s23C(1) "the last responsible authority") or E15 (age assessed as 18 or
// over: the person was never an eligible child).
package ssda903
