"""What tests and bench share to drive the system: `sandbox_platforms.SandboxPlatforms`
connects accounts at the provider sandbox and ages, breaks and revokes them there."""
