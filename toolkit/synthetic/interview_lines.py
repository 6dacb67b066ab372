"""What the interviewer says: openings, questions that open each theme, probes, closings.

Interviewer turns are not part of the theme truth (only participants' words are coded), but
they carry names: ``{staff}`` is the interviewer's own first name and ``{first}`` the
participant's, both planted as PERSON identifiers.
"""

from __future__ import annotations

# Interviewer lines. {staff} = the interviewer's own first name, {first} = the participant's.
INTERVIEWER_OPENINGS = [
    "Hiya {first}, thanks for coming in. I'm {staff}, I'm one of the peer researchers on the "
    "programme. Is it all right if I record this?",
    "Right, we're recording now. I'm {staff}, and I'm here with {first}. Thanks for giving up "
    "your time today.",
    "Thanks for meeting me, {first}. As I said on the phone, I'm {staff} and I work with the "
    "peer research team. Are you happy for me to record?",
]
CONSENT_REPLIES = [
    "Yeah, that's fine.",
    "Yeah, go on then.",
    "Course, no problem.",
    "Yes, that's all right with me.",
]
INTERVIEWER_OPEN_QUESTIONS = [
    "Can you start by telling me a bit about yourself and how you came to the programme?",
    "So how did you first hear about the programme?",
    "What was life like before you started with us?",
]
INTERVIEWER_PROMPTS = [
    "What made it harder to find work, would you say?",
    "And what helped, if anything?",
    "What happened next?",
    "Was there anything that nearly stopped you?",
    "How have things been since then?",
    "If you could change one thing about the process, what would it be?",
    "What would you say to someone thinking of doing the programme?",
    "How did the people around you react?",
    "Is there anything about the support you got that stood out?",
    "What was the hardest part, looking back?",
]
# Follow-ups that keep the participant on the same subject.
INTERVIEWER_PROBES = [
    "Can you tell me a bit more about that?",
    "How did that feel at the time?",
    "Mm. And how are you finding it now?",
    "That's really interesting. Go on.",
    "Right. What did you do then?",
    "Yeah. Was that hard?",
    "What difference did that make?",
    "Mm-hm.",
]
# A participant's first, short answer before the interviewer draws them out.
SHORT_REPLIES = ["Yeah, definitely.", "Mm, I think so.", "Not really, no.", "Hard to say."]
INTERVIEWER_CLOSINGS = [
    "That's brilliant, thank you so much. Is there anything else you want to add?",
    "Thank you, that's really helpful. Anything you'd like to say before we finish?",
]
CLOSING_REPLIES = [
    "No, I think that's everything. Thanks for listening.",
    "Just that I'm glad I did it, really.",
    "No, that's it. Good luck with the research.",
]


# What an interviewer asks to open up a theme (some name it, some come at it sideways).
THEME_PROMPTS: dict[str, list[str]] = {
    "transport": [
        "How do you get about, day to day?",
        "How would you get to a job at the hospital?",
        "Was getting there ever an issue?",
    ],
    "childcare_caring": [
        "Have you got people at home who depend on you?",
        "How do you manage things at home around work?",
        "Who else do you look after?",
    ],
    "confidence": [
        "How were you feeling about yourself when you first came along?",
        "Has anything changed in how you see yourself?",
        "What was it like walking in that first day?",
    ],
    "digital_access": [
        "How did you get on with the online side of things?",
        "Have you got a computer or internet at home?",
    ],
    "money_benefits": [
        "How were things for you money-wise?",
        "Did you have any worries about your benefits?",
    ],
    "health_disability": [
        "Is there anything health-wise that affects what work you can do?",
        "How has your health been through all this?",
    ],
    "application_process": [
        "Tell me about applying for the job.",
        "What was the application like?",
    ],
    "interviews_offers": [
        "How did the interview go?",
        "What happened when you went for the job?",
    ],
    "checks_waits": [
        "What happened after they said yes?",
        "How long was it between the offer and starting?",
    ],
    "mandatory_training": [
        "What did you have to do before your first shift?",
        "How did you find the training?",
    ],
    "job_club_support": [
        "What did the programme actually do for you?",
        "Who helped you along the way?",
    ],
    "buddies_mentors": [
        "Was there anyone you could turn to once you'd started?",
        "Did you have anyone showing you the ropes?",
    ],
    "workplace_culture": [
        "What are the people like where you work?",
        "How did the team treat you when you started?",
    ],
    "staying_in_work": [
        "How's it going now you're in?",
        "What's kept you going, or not?",
    ],
    "aspirations": [
        "Where do you see yourself in a year or so?",
        "What would you like to be doing next?",
    ],
}
