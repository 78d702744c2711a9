"""The two surveys the portal sends (clause 6.3), in English and Malay; staff edit them."""

from django.db import migrations

SURVEYS = [
    {
        "code": "post_resolution",
        "kind": "post_resolution",
        "title": "Feedback on your request",
        "title_ms": "Maklum balas tentang permintaan anda",
        "intro": "Your request has been resolved. Please tell us about the quality of service "
                 "you received.",
        "intro_ms": "Permintaan anda telah diselesaikan. Sila beritahu kami tentang kualiti "
                    "perkhidmatan yang anda terima.",
        "questions": [
            ("satisfaction", True,
             "How satisfied are you with the support you received?",
             "Sejauh manakah anda berpuas hati dengan Sokongan Teknikal yang anda terima?",
             ("Very dissatisfied", "Sangat tidak berpuas hati"),
             ("Very satisfied", "Sangat berpuas hati")),
            ("solved", False,
             "Was your problem solved?",
             "Adakah masalah anda telah diselesaikan?",
             ("", ""), ("", "")),
            ("effort", False,
             "How much effort did it take you to get your request handled?",
             "Berapa banyak usaha yang anda perlukan untuk menyelesaikan permintaan anda?",
             ("Very little", "Sangat sedikit"), ("A great deal", "Sangat banyak")),
            ("comment", False,
             "Is there anything else you would like to tell us?",
             "Ada apa-apa lagi yang ingin anda beritahu kami?",
             ("", ""), ("", "")),
        ],
    },
    {
        "code": "relationship",
        "kind": "periodic",
        "title": "Your opinion of our technical support",
        "title_ms": "Pendapat anda tentang Sokongan Teknikal kami",
        "intro": "Every few months we ask the customers who contacted us how we are doing.",
        "intro_ms": "Setiap beberapa bulan, kami bertanya kepada pelanggan yang menghubungi "
                    "kami tentang prestasi kami.",
        "questions": [
            ("recommend", True,
             "How likely are you to recommend our technical support to a colleague or friend?",
             "Sejauh manakah anda berkemungkinan mengesyorkan Sokongan Teknikal kami kepada "
             "rakan sekerja atau kawan?",
             ("Not at all likely", "Sangat tidak mungkin"),
             ("Extremely likely", "Sangat mungkin")),
            ("comment", False,
             "What is the main reason for your score?",
             "Apakah sebab utama skor anda?",
             ("", ""), ("", "")),
        ],
    },
]


def seed(apps, schema_editor):
    Survey = apps.get_model("feedback", "Survey")
    Question = apps.get_model("feedback", "Question")
    for data in SURVEYS:
        data = dict(data)
        questions = data.pop("questions")
        survey, created = Survey.objects.get_or_create(code=data["code"], defaults=data)
        if not created:
            continue
        for position, (code, required, text, text_ms, low, high) in enumerate(questions):
            Question.objects.create(
                survey=survey, code=code, is_required=required, position=position,
                text=text, text_ms=text_ms, low_label=low[0], low_label_ms=low[1],
                high_label=high[0], high_label_ms=high[1],
            )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
