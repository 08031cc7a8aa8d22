-- The change feed is numbered after commit instead of inside each writing transaction: a
-- mutation inserts its events without a sequence (no lock shared by all writers, so a service's
-- writes commit in parallel), and the feed's sequencer (common/server/change_feed.h) numbers the
-- committed events in order under the head's lock, in short transactions of its own. Events keep
-- their order of commit: an event visible to the sequencer is committed, and one that commits
-- later is numbered later. The events of earlier releases keep their sequences (ids follow them).
ALTER TABLE change_events
  DROP PRIMARY KEY,
  ADD COLUMN id BIGINT NOT NULL AUTO_INCREMENT FIRST,
  ADD PRIMARY KEY (id),
  MODIFY sequence BIGINT NULL,
  ADD KEY change_events_sequence (sequence);
