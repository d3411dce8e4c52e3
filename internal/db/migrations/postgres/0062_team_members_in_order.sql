-- A person's teams in team order (issue 13). Every request reads its
-- actor's teams with the token or session (user.ScanActor: ORDER BY
-- m.team_id), and with team_members_user on user_id alone SQLite sorted
-- them in a temporary b-tree at every request. On (user_id, team_id) the
-- index gives them in order, and holds all the statement reads of the row.
DROP INDEX team_members_user;
CREATE INDEX team_members_user ON team_members (user_id, team_id);
