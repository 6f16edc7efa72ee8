#!/usr/bin/perl
# Prepares a freshly initialised Request Tracker for syncd's tests, through RT's own Perl API:
# users (the syncd bot, a human agent, a customer), queues, rights, the custom fields syncd
# uses and the global "syncd notify" Scrip. Idempotent: run it again and it only fills gaps.
# Prints one JSON object with the tokens it created (RT stores them hashed, so this is the
# only time they can be read) on stdout.
#
# usage: RT_SITE_CONFIG=... perl setup.pl <scrip commit code file>
use strict;
use warnings;
use lib '/usr/share/request-tracker5/lib';
use RT -init;
use RT::AuthToken;
use JSON ();

my $scrip_file = shift or die "usage: $0 <scrip commit code file>\n";
my $system = RT->SystemUser;

sub check {
    my ($what, $ok, $msg) = @_;
    die "$what: $msg\n" unless $ok;
}

sub ensure_user {
    my (%args) = @_;
    my $user = RT::User->new($system);
    $user->Load($args{Name});
    unless ($user->id) {
        my ($ok, $msg) = $user->Create(%args);
        check("user $args{Name}", $ok, $msg);
    }
    if ($args{Password}) {
        my ($ok, $msg) = $user->SetPassword($args{Password});
        check("password of $args{Name}", $ok, $msg);
    }
    return $user;
}

sub ensure_queue {
    my ($name, $description) = @_;
    my $queue = RT::Queue->new($system);
    $queue->Load($name);
    unless ($queue->id) {
        my ($ok, $msg) = $queue->Create(Name => $name, Description => $description);
        check("queue $name", $ok, $msg);
    }
    return $queue;
}

sub grant {
    my ($user, $object, @rights) = @_;
    for my $right (@rights) {
        next if $user->PrincipalObj->HasRight(Right => $right, Object => $object);
        my ($ok, $msg) = $user->PrincipalObj->GrantRight(Right => $right, Object => $object);
        check("right $right for " . $user->Name, $ok, $msg);
    }
}

sub ensure_cf {
    my (%args) = @_;
    my $cf = RT::CustomField->new($system);
    $cf->LoadByName(Name => $args{Name}, LookupType => $args{LookupType});
    unless ($cf->id) {
        my ($ok, $msg) = $cf->Create(%args);
        check("custom field $args{Name}", $ok, $msg);
        ($ok, $msg) = $cf->AddToObject(RT::Queue->new($system));
        check("apply custom field $args{Name}", $ok, $msg);
    }
    return $cf;
}

my $syncd = ensure_user(
    Name => 'syncd', RealName => 'syncd', EmailAddress => 'syncd@syncd.test',
    Privileged => 1,
);
my $agent_password = unpack('H*', join '', map { chr int rand 256 } 1 .. 12);
my $agent = ensure_user(
    Name => 'alice', RealName => 'Alice Agent', EmailAddress => 'alice@syncd.test',
    Privileged => 1, Password => $agent_password,
);
ensure_user(
    Name => 'carol@example.com', RealName => 'Carol Customer',
    EmailAddress => 'carol@example.com', Privileged => 0,
);

my @ticket_rights = qw(
    SeeQueue ShowTicket CreateTicket ModifyTicket ReplyToTicket CommentOnTicket
    ShowTicketComments OwnTicket Watch WatchAsAdminCc ModifyCustomField SeeCustomField
);
# the agent may do anything anywhere; syncd only in the queues it serves, so that the
# "Restricted" queue answers 403 to syncd
grant($agent, RT->System, @ticket_rights, 'ModifySelf', 'ManageAuthTokens');
grant($syncd, RT->System, 'ModifySelf', 'SeeCustomField', 'ModifyCustomField');
for my $name ('General', 'Support') {
    my $queue = ensure_queue($name, "syncd tests: $name");
    grant($syncd, $queue, @ticket_rights);
}
ensure_queue('Restricted', 'syncd tests: a queue syncd may not touch');

ensure_cf(
    Name => 'Developer issue', Type => 'Freeform', MaxValues => 1,
    LookupType => RT::Ticket->CustomFieldLookupType,
    Description => 'URL of the developer issue syncd linked',
);
ensure_cf(
    Name => 'Product', Type => 'Freeform', MaxValues => 1,
    LookupType => RT::Ticket->CustomFieldLookupType,
    Description => 'Product the ticket is about (routing)',
);
ensure_cf(
    Name => 'syncd key', Type => 'Freeform', MaxValues => 1,
    LookupType => RT::Transaction->CustomFieldLookupType,
    Description => 'Idempotency key of a reply or comment syncd wrote',
);

my $code = do {
    local $/;
    open my $fh, '<', $scrip_file or die "cannot read $scrip_file: $!\n";
    <$fh>;
};
my $scrips = RT::Scrips->new($system);
$scrips->Limit(FIELD => 'Description', VALUE => 'syncd notify');
my $scrip = $scrips->First;
if ($scrip) {
    my ($ok, $msg) = $scrip->SetCustomCommitCode($code);
    check('update scrip', $ok || $msg =~ /already/i, $msg);
} else {
    $scrip = RT::Scrip->new($system);
    my ($ok, $msg) = $scrip->Create(
        Queue => 0,
        Description => 'syncd notify',
        ScripCondition => 'On Transaction',
        ScripAction => 'User Defined',
        Template => 'Blank',
        Stage => 'TransactionBatch',
        CustomIsApplicableCode => 'return 1;',
        CustomPrepareCode => 'return 1;',
        CustomCommitCode => $code,
    );
    check('create scrip', $ok, $msg);
}

my $root = RT::CurrentUser->new;
$root->LoadByName('root');
my %tokens;
for my $user ($syncd, $agent) {
    my ($ok, $msg, $token) = RT::AuthToken->new($root)->Create(
        Owner => $user->id, Description => 'syncd tests',
    );
    check('token for ' . $user->Name, $ok, $msg);
    $tokens{ $user->Name } = $token;
}

print JSON->new->canonical->encode({
    syncd_user => 'syncd',
    syncd_token => $tokens{syncd},
    agent_user => 'alice',
    agent_password => $agent_password,
    agent_token => $tokens{alice},
    queues => ['General', 'Support'],
    restricted_queue => 'Restricted',
}), "\n";
