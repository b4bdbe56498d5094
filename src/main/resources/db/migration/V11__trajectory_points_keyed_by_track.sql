-- A stored track is keyed by what it is: its venue, time, edge and track id. A QoS 1 message that comes again after
-- a hub restart (stored, then the hub died before acknowledging it) is then stored once: inserts skip what the key
-- already holds. The key also serves replay and retention (venue, then time), so it replaces the venue/time index,
-- and the generated id goes: one B-tree per stored track instead of two.
DELETE FROM trajectory_points WHERE point_id NOT IN (
    SELECT MIN(point_id) FROM trajectory_points GROUP BY venue_id, ts, edge_id, track_id);
DROP INDEX trajectory_points_venue_time;
ALTER TABLE trajectory_points DROP COLUMN point_id;
ALTER TABLE trajectory_points ADD CONSTRAINT trajectory_points_key PRIMARY KEY (venue_id, ts, edge_id, track_id);
