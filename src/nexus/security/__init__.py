"""Security: viewers, the policy decision point, the audit trail and authentication."""
