# Custom commit code of the global "syncd notify" Scrip (condition: On Transaction,
# action: User Defined, template: Blank, stage: TransactionBatch).
#
# RT has no webhooks: this Scrip posts a small JSON notice to syncd each time a ticket
# changes, {"ticket": 12, "transaction": 345, "type": "Correspond", "queue": "General", ...},
# signed with
# HMAC-SHA256 of the body in X-Syncd-Signature ("sha256=<hex>"). syncd treats a notice as
# "ticket 12 changed" and reads the ticket again, so late or lost notices only delay a sync.
#
# URL and secret come from the RT site configuration (Set($SyncdNotifyURL, ...),
# Set($SyncdNotifySecret, ...)) or the environment (SYNCD_RT_NOTIFY_URL,
# SYNCD_RT_NOTIFY_SECRET). The request blocks the RT call that caused it, hence the short
# timeout, and a failure never fails the transaction.
use strict;
use warnings;
use HTTP::Tiny;
use JSON ();
use Digest::SHA qw(hmac_sha256_hex);

my $url = $ENV{SYNCD_RT_NOTIFY_URL} || RT->Config->Get('SyncdNotifyURL');
my $secret = $ENV{SYNCD_RT_NOTIFY_SECRET} || RT->Config->Get('SyncdNotifySecret');
return 1 unless $url && $secret;

my $ticket = $self->TicketObj;
# the whole batch of this request; the last one is the newest transaction id
my @batch = @{ $ticket->TransactionBatch || [] };
@batch = ($self->TransactionObj) unless @batch;
my @kept = grep { $_->Type ne 'EmailRecord' } @batch;
return 1 unless @kept;
my $last = $kept[-1];

my $body = JSON->new->canonical->encode({
    queue       => $ticket->QueueObj->Name,
    ticket      => int($ticket->id),
    transaction => int($last->id),
    type        => $last->Type,
    types       => [ map { $_->Type } @kept ],
});
my $timeout = RT->Config->Get('SyncdNotifyTimeout') || 2;
my $response = HTTP::Tiny->new(timeout => $timeout)->post(
    $url,
    {
        headers => {
            'Content-Type'      => 'application/json',
            'X-Syncd-Signature' => 'sha256=' . hmac_sha256_hex($body, $secret),
            'X-Syncd-Delivery'  => $last->id,
        },
        content => $body,
    },
);
RT->Logger->warning("syncd notice for ticket " . $ticket->id . " failed: $response->{status} $response->{reason}")
    unless $response->{success};
return 1;
