"""``make review BASE=<git ref>``: what a change does to each instance profile, for a pull request.

``profiles`` reads the profiles of a synthesized app, ``compare`` pairs and judges them (pure),
``describe`` says in words what each can do, ``report`` writes Markdown and JSON, and ``cli`` does
the git worktree and the two syntheses.
"""
