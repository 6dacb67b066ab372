"""Word lists the name recognisers and the release check share (data only, no logic).

- :data:`NAME_WORDS`: everyday words that are also first names or surnames ("Will it help?",
  "Grace period"): taken as names only with more evidence.
- :data:`NOT_PERSON_WORDS`: words that mark a named thing as a place, organisation or service
  (Essex towns, "Hospital", "Job Centre", shops, days and months).
- :data:`AFTER_NOT_PERSON`: words after a name that make it a place or service
  ("Alexandra Hospital", "Rowan Ward").
- :data:`PLACE_NAMES`: the towns and places among them, which begin the names of piers,
  stations and parks.
"""

# Words that are also first names or surnames; taken as names only with more evidence.
NAME_WORDS = frozenset(
    """
    will hope grace mark rose may june april faith joy bill pat sue chase dawn holly ivy
    lily daisy summer autumn amber ruby jade pearl crystal destiny sky rich frank drew
    gene guy ray sandy art bob don earl victor harmony honor patience prudence charity
    mercy iris heather violet hazel olive fern poppy robin jay wade lane dean miles cliff
    rod grant bud sunny rusty chip sterling brown white green young hill wood long king
    baker cook walker black gray grey bell hall cross rich price hunter carter turner
    fisher page rowe marsh bishop mason little short moss stone rock field fields north
    south west east lord major nurse christian english french iron best sharp strong hardy
    may jack
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# Towns and places of Essex and beyond, which begin the names of piers, stations and parks
# ("Clacton Pier", "Southend Victoria").
PLACE_NAMES = frozenset(
    """
    osyth hadleigh rochford hockley thundersley leigh leigh-on-sea holland-on-sea
    walton-on-the-naze frinton-on-sea dovercourt manningtree wivenhoe tiptree halstead essex
    london clacton clacton-on-sea southend southend-on-sea basildon colchester chelmsford
    harlow brentwood billericay wickford rayleigh westcliff shoeburyness canvey benfleet
    thurrock grays tilbury harwich frinton jaywick brightlingsea maldon witham braintree
    ipswich romford laindon pitsea england britain uk
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# Words that mark a named thing as a place, organisation or service rather than a person.
NOT_PERSON_WORDS = PLACE_NAMES | frozenset(
    """
    st saint
    hospital centre center plus nhs gp surgery council trust clinic service services road
    street college school university academy bank jobcentre job group team project
    foundation ltd limited association church pharmacy practice health hub library station
    court credit universal benefits benefit dwp house home care ward unit a&e mind
    samaritans citizens advice shelter salvation army office agency partnership programme
    network board department ministry cic charity café cafe club gym park market tesco
    asda aldi lidl sainsbury's morrisons costa greggs primark boots amazon mcdonald's
    avenue lane close drive way crescent gardens estate corner pub arms inn hotel
    god jesus christ covid christmas
    easter ramadan eid diwali monday tuesday wednesday thursday friday saturday sunday
    january february march august september october november december facebook whatsapp
    google zoom teams indeed linkedin email e-mail ring call text phone hi hiya hello
    thanks cheers yeah yes no ok okay honestly basically obviously mum mam dad nan nanna
    grandad mate sir madam
    """.split()  # noqa: SIM905 - a word list reads best as text
)

# Words after a name that make it part of a place or service: "Alexandra Hospital".
AFTER_NOT_PERSON = frozenset({
    "hospital", "centre", "center", "council", "trust", "clinic", "surgery", "college",
    "school", "road", "street", "avenue", "lane", "close", "drive", "way", "crescent",
    "gardens", "grove", "terrace", "house", "court", "park", "ward", "unit", "hall", "church",
    "library", "station", "estate", "fields", "green", "square", "place", "walk", "hill",
    "academy", "university", "group", "team", "services", "service", "pavilion", "theatre",
    "shopping", "leisure", "bay", "island", "point", "ltd", "plc", "cic", "foundation",
    "home", "manor", "nursing", "care", "carer", "carers", "support", "bar", "lodge",
    "cottage", "farm", "hub", "practice", "pharmacy", "wing", "suite", "lounge",
    # words that begin the name of a service after a place: "Oakham Children's Centre"
    "children's", "childrens", "community", "resource", "medical", "youth", "family",
})  # fmt: skip
