"""Publishing: pages, plots (forest, funnel), static site and web app."""
