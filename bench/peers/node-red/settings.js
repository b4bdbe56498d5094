// Node-RED as peer 2 of the trajectory benchmark: headless (no editor, no admin API), on loopback, running the
// flow file given on its command line. The flow reads MQTT_HOST and MQTT_PORT from the environment.
module.exports = {
    uiHost: '127.0.0.1',
    uiPort: Number(process.env.PORT || 18881),
    httpAdminRoot: false,
    credentialSecret: false,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false } },
};
