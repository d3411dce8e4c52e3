-- Users by role, in id order (issue 13, reads): the workspace lists the
-- agents and admins for its assignee menus on every queue and ticket page,
-- and on a desk of 50,000 requesters that read every user (15 ms a role at
-- a million tickets). user.List reads a role's range of this index when it
-- has no text to match (list-users-of-role).
CREATE INDEX users_role ON users (role, id);
