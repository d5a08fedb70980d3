"""The LinkedIn accounts a team's extension acts as."""
