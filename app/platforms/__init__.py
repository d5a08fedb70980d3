"""The platforms' own APIs behind one interface (`base.PlatformAdapter`), one module per platform; `registry` maps a
platform name to its adapter and `config` reads each platform's app credentials. Nothing here touches our database:
app.socialdock.live drives the adapters and records what they learn."""
