"""What an operator or a test uses to steer and watch the sandbox: faults, counters, the customer side."""
