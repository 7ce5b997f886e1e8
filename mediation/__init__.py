"""mediation: case routing engine for a district dispute mediation centre.

The public entry points for library use::

    from mediation.rules import load_rules
    from mediation.cases import parse_case

    rules = load_rules("rules")
    case = parse_case({"form": "oral", "category": "医疗", "street": "相南街道",
                       "summary": "..."}, rules)
    rules.review(case), rules.route(case)
"""

__version__ = "0.1.0"
