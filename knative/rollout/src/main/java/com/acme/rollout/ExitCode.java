package com.acme.rollout;

/** The documented exit codes of every command (also listed in docs/03-deployment.md and in --help). */
final class ExitCode {
    /** Done: deployed, promoted, rolled back on request, valid manifest. */
    static final int OK = 0;
    /**
     * deploy stopped early (a gate, a timeout, an API error, a revision no longer Ready, SIGTERM/SIGINT) and the
     * traffic is back on the stable revision; gates: the gates do not pass.
     */
    static final int ROLLED_BACK = 1;
    /** Wrong command line (picocli's own usage error code). */
    static final int USAGE = 2;
    /** The manifest breaks a Knative admission rule or has fields the Knative model does not know. */
    static final int INVALID_MANIFEST = 3;
    /**
     * The cluster refused or failed a call before anything changed, someone else changed the traffic first, or what
     * the command needs is not there (no candidate...).
     */
    static final int CLUSTER_ERROR = 4;
    /** Traffic could not be put back on a stable revision: a person must look now. */
    static final int NEEDS_ATTENTION = 5;

    static final String HELP = """
            Exit codes:
              0  done
              1  deploy stopped (gate, timeout, API error, not Ready, SIGTERM/SIGINT) and traffic is back
                 on the stable revision; gates: the gates do not pass
              2  usage error
              3  invalid manifest (admission rules, unknown kinds or fields)
              4  cluster error with nothing changed, traffic changed by someone else first, or nothing
                 to act on (service, revision, candidate)
              5  traffic could not be put back on the stable revision: a person must act now (the
                 command that restores it is printed)""";

    private ExitCode() {
    }
}
