-- Each change event names the institutions that own its record (common/domain/ledger.h
-- OwningInstitutions), so that a college admin may follow the feed of its own records. 0 for
-- none. Events written before this carry no owners: they stay with the readers of the whole feed
-- (network admins, reporters, services). No index: a college admin's reader scans forward from
-- its cursor by sequence, which it does once for the backlog and then only for new events.
ALTER TABLE change_events
  ADD COLUMN owner_institution_1 BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN owner_institution_2 BIGINT NOT NULL DEFAULT 0;
