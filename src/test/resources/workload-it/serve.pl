use strict;
use warnings;
use IO::Socket::INET;

# PID 1 in its container: without a handler it would ignore the engine's SIGTERM and wait out the stop timeout
$SIG{TERM} = sub { exit 0 };
my $port = $ENV{PORT} || 8080;
my $server = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => $port, Listen => 16, ReuseAddr => 1)
    or die "cannot listen on $port: $!\n";
$| = 1;
print "listening on $port\n";
while (my $client = $server->accept) {
    my $request = <$client> // '';
    # /health fails once /tmp/unhealthy exists, so a test can make a running workload unhealthy
    my ($status, $body) = $request =~ m{^GET /health } && -e '/tmp/unhealthy' ? ('503 Service Unavailable', "sick\n")
        : ('200 OK', "hello from " . ($ENV{GREETING} || "nobody") . ($ENV{TOKEN} ? ", with a token" : "") . "\n");
    print $client "HTTP/1.0 $status\r\nContent-Type: text/plain\r\nContent-Length: " . length($body) . "\r\n\r\n" . $body;
    close $client;
}
