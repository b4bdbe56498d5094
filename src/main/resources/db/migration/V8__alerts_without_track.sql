-- Alerts about an edge rather than a track (edge-silent) have no track, object type or position.
ALTER TABLE alerts ALTER COLUMN track_id DROP NOT NULL;
ALTER TABLE alerts ALTER COLUMN object_type DROP NOT NULL;
ALTER TABLE alerts ALTER COLUMN x DROP NOT NULL;
ALTER TABLE alerts ALTER COLUMN z DROP NOT NULL;
