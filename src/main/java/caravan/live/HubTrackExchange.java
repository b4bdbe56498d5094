package caravan.live;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

import caravan.hub.HubInstance;
import caravan.trajectory.Track;

/**
 * The tracks this hub's lanes accepted, for the live feeds of the hubs that share the edges' trajectories with it,
 * and theirs for its own feed (routes live-tracks-to-hubs and live-tracks-from-hubs).
 */
@Component
public class HubTrackExchange {

    /** What one hub sends: its id, so it can tell its own tracks coming back, and the tracks. */
    record HubTracks(String hub, List<Track> tracks) {
    }

    private final String hubId;
    private final ObjectMapper mapper;
    private final LiveTracks live;

    public HubTrackExchange(HubInstance hub, ObjectMapper mapper, LiveTracks live) {
        this.hubId = hub.id();
        this.mapper = mapper;
        this.live = live;
    }

    /** The accepted tracks as a message for the other hubs; null when there are none. */
    public byte[] toHubs(List<Track> tracks) throws JsonProcessingException {
        return tracks == null || tracks.isEmpty() ? null : mapper.writeValueAsBytes(new HubTracks(hubId, tracks));
    }

    /** Another hub's tracks, to this hub's live clients; this hub's own are on its feed already. */
    public void fromHub(byte[] message) throws IOException {
        HubTracks received = mapper.readValue(message, HubTracks.class);
        if (!hubId.equals(received.hub())) {
            live.publishAll(received.tracks());
        }
    }
}
