"""Link and analyse: participant features, outcomes, the pathway funnel, pre/post change,
associations, Core20PLUS5.
"""
