// Peer 1 of the trajectory benchmark: the seed service our users run today, written from the reference's
// description of backend/services/MqttTrajectoryService.js: subscribe to every trajectory topic, JSON.parse each
// message and emit it at once to the Socket.IO /tracking namespace as {venueId, tracks: [track]}. No mapping,
// validation, storage or alerts. It subscribes at QoS 1, as the hub does.
// Environment: MQTT_BROKER (mqtt://127.0.0.1:18830), PORT (Socket.IO on 127.0.0.1).
'use strict';
const http = require('http');
const mqtt = require('mqtt');
const { Server } = require('socket.io');

const server = http.createServer();
const io = new Server(server);
const tracking = io.of('/tracking');
const client = mqtt.connect(process.env.MQTT_BROKER, { protocolVersion: 5 });

client.on('connect', () => {
  client.subscribe('hyperspace/trajectories/#', { qos: 1 }, (error) => {
    if (error) {
      console.error('subscribe failed:', error.message);
      process.exit(1);
    }
  });
});
client.on('message', (topic, message) => {
  let data;
  try {
    data = JSON.parse(message);
  } catch (error) {
    return; // the reference would crash here; the benchmark only sends JSON
  }
  tracking.emit('tracks', { venueId: data.venueId, tracks: [data] });
});

server.listen(Number(process.env.PORT), '127.0.0.1');
