"""Running untrusted code: worker processes, the sandbox (bubblewrap) and the
fallback confinement (Landlock, seccomp, own uid), the reaper that ends every
process a worker started, what the platform offers, the wire codec, and the
student proxies through which graders call a submission.

May use: core.
"""
