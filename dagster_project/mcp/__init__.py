"""The MCP server: the platform's capabilities as Model Context Protocol tools for AI agents, over the same
library functions the CLI calls (docs/mcp.md)."""
