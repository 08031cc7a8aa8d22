-- ListTrainees by document number (of any issuing country): the unique key leads with the
-- country, so the number's key gets an index of its own.
ALTER TABLE trainees
  ADD KEY trainees_doc_key (doc_key, id);
