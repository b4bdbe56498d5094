#!/bin/sh
set -eu
echo "tracker for $EDGE_ID at $VENUE_ID, config $(cat "$CONFIG_FILE" | head -c 80)"
if [ "$TRACKER_FAIL" = yes ]; then
    echo "calibration failed: no lidar answers"
    exit 3
fi
set -- -L "$MQTT_BROKER/$MQTT_TOPIC" -q "$MQTT_QOS"
if [ -n "${MQTT_USERNAME:-}" ]; then
    set -- "$@" -u "$MQTT_USERNAME" -P "$MQTT_PASSWORD"
fi
i=0
while true; do
    mosquitto_pub "$@" -m "{\"id\": \"t-$i\", \"deviceId\": \"$EDGE_ID\", \"venueId\": \"$VENUE_ID\", \"timestamp\": $(date +%s)000, \"position\": {\"x\": 10, \"y\": 0, \"z\": 10}, \"velocity\": {\"x\": 0, \"y\": 0, \"z\": 0}, \"objectType\": \"person\", \"confidence\": 0.9}"
    i=$((i + 1))
    sleep 1
done
