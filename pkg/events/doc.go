// Package events carries a service's events from its bbolt file to NATS
// JetStream and from JetStream into another service's bbolt file, so that an
// event of a write that returned OK is counted exactly once, even across
// crashes and NATS outages.
//
// # The write path
//
//  1. A service checks a call, then in ONE bbolt write transaction writes its
//     record and calls Append(tx, subject, msg). Append gives the event a
//     UUIDv7 id and stores it as an outbox row keyed by the outbox bucket's
//     next sequence (big-endian, so rows sort in write order). The call
//     returns once that transaction has committed, i.e. is fsynced: the
//     record and its event are durable together, or neither exists. NATS
//     plays no part in the write, so NATS being down never fails a write.
//
//  2. After the commit the service calls Relay.Notify. The Relay (one per
//     bbolt file) publishes rows in key order to JetStream with the header
//     Nats-Msg-Id = event id, as a pipeline: up to BatchSize publishes are in
//     flight at once (async), and acknowledgements are taken in order. The
//     leading rows whose publish was acknowledged positively (an
//     acknowledgement flagged duplicate counts: the stream already holds the
//     event) are handed to a deleter goroutine that removes them in batched
//     write transactions, off the publish path. At the first failure the
//     relay starts again from the first row not acknowledged, with the same
//     ids, after an exponential back-off (capped at 2 s), so rows are
//     published in write order and an unacknowledged row is never deleted.
//     A crash between publish and delete, or a lost acknowledgement, means
//     the row is published again with the same id: JetStream's duplicate
//     window (EnsureStream: 1 h by default) drops it.
//
//  3. Streams are created idempotently by their producer (EnsureStream): file
//     storage, limits retention with no age limit, deletes and purges denied.
//     The JetStream server must run with sync_interval always (natsembed's
//     SyncAlways; clustered servers likewise), otherwise an acknowledged
//     message can be lost on an OS crash after its outbox row was deleted.
//     The one exception: a server embedded in the producer's own process
//     may fsync on a short interval if the relay retains acknowledged rows
//     for longer (RelayOptions.Retain) and so republishes, at its next
//     start, whatever tail a machine crash took (natsembed's package doc).
//
//  4. A consumer (Consume) pulls batches from a durable consumer and applies
//     each batch in ONE bbolt write transaction which also records, per
//     durable, every applied event id (with its stream sequence and the time
//     it was applied) and the highest stream sequence handled (AppliedSeq). An event
//     whose id is already recorded is skipped, so a redelivery, or a
//     re-publish that fell outside the duplicate window and got a new stream
//     sequence, changes nothing. Messages are acknowledged only after the
//     transaction commits; a crash before the ack means a redelivery, which
//     is skipped.
//
// # Order
//
// The relay publishes rows in write order and deletes only a leading run of
// acknowledged rows, so a retry restarts at the first row not acknowledged.
// Publishes are pipelined: when one fails while later ones in the same batch
// succeed (say, a subject that no stream captures yet), those later events
// are stored first and their re-publish is dropped as a duplicate. The
// relay checks the connection before each publish and RelayConnectOptions
// turns off the client's reconnect buffer, so a dropped connection does not
// cause this; a row is never skipped.
//
// Consume applies events in stream order. It owns its durable (one process
// per durable name and bbolt file): deliveries must carry consecutive
// consumer sequences, and when a delivery is missing (lost in transit) or an
// earlier run left deliveries unacknowledged (a crash, or a stop with a
// batch in hand), it deletes the durable and recreates it just above its ack
// floor, instead of letting JetStream redeliver those messages after
// AckWait behind newer ones. Events re-delivered that way that were already
// applied are skipped by id. Do not recreate a durable by hand with a
// different start; delete it and let Consume recreate it.
//
// # Poison events
//
// If apply returns an error, the batch transaction is rolled back (nothing
// of the batch is half-applied) and the batch is applied again one message
// per transaction. A message whose apply still fails is a poison event: it is
// logged, recorded in the durable's dead bucket (DeadLetters) with the error
// text, recorded as handled, and acknowledged, so one bad event does not stop
// the stream. An apply error wrapped with Retry is treated as transient
// instead: the batch is retried after a back-off and nothing is
// dead-lettered. Errors from bbolt itself (a failed commit) are always
// retried.
//
// # Pruning applied ids
//
// Prune removes recorded ids applied longer ago than a retention (7 days is
// the suite's choice) and whose stream sequence is at or below the durable's
// acknowledgement floor as last recorded by Consume. That is safe because an
// event reaches a consumer again only through:
//   - JetStream redelivery: only messages above the consumer's ack floor are
//     redelivered, and ids above the recorded floor are never pruned;
//   - a durable that was deleted, or that Consume recreates to keep order:
//     Consume starts it just above the ack floor it recorded, and ids above
//     that floor are kept;
//   - a re-publish by a relay of a row whose ack was lost: the row stays in
//     the outbox only until its publish is acknowledged, i.e. for the length
//     of an outage, and the duplicate window (1 h) already drops re-publishes
//     inside it. A re-publish after 7 days would need a relay outage longer
//     than 7 days, far beyond anything operated or tested.
package events
