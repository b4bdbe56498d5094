package caravan.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What a hub under test stored of a venue's tracks, read from its database directly. */
public final class StoredTracks {

    private StoredTracks() {
    }

    /** How many tracks of the venue are stored. */
    public static int count(String jdbcUrl, String user, String password, String venueId) throws SQLException {
        return query(jdbcUrl, user, password, "SELECT count(*) FROM trajectory_points WHERE venue_id = ?", venueId);
    }

    /** How many distinct track ids of the venue are stored. */
    public static int distinct(String jdbcUrl, String user, String password, String venueId) throws SQLException {
        return query(jdbcUrl, user, password,
                "SELECT count(DISTINCT track_id) FROM trajectory_points WHERE venue_id = ?", venueId);
    }

    private static int query(String jdbcUrl, String user, String password, String sql, String venueId)
            throws SQLException {
        try (Connection db = DriverManager.getConnection(jdbcUrl, user, password);
             PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, venueId);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }
}
