"""Request categories (4.1.x) and out-of-scope topics (4.2.x) of the Support Rules, as data.

Names and descriptions in English and Malay (the Malay from the published Rules' own
wording). Idempotent: rows are matched by code, so running it again only refreshes them.
"""

from django.db import migrations

NOT_COVERED_EN = "Not covered by Standard Support."
NOT_COVERED_MS = "Tidak diliputi oleh Sokongan Standard."
PS_EN = " Can be bought within Kaspersky Professional Services."
PS_MS = " Boleh dibeli sebagai perkhidmatan tambahan dalam Kaspersky Professional Services."
IR_EN = " Can be bought within Kaspersky Incident Response."
IR_MS = " Boleh dibeli sebagai perkhidmatan tambahan dalam Kaspersky Incident Response."

# code, clause, English name, Malay name, English description, Malay description, flags
IN_SCOPE = [
    ("malfunction", "4.1.1", "Software malfunction", "Kepincangan tugas perisian",
     "The software does not work as it should: errors, crashes or features that fail.",
     "Perisian tidak berfungsi seperti yang sepatutnya: ralat, ranap atau fungsi yang gagal.",
     {}),
    ("database_update", "4.1.1", "Database updates", "Kemas kini pangkalan data",
     "Routine updates of the software's databases fail or do not arrive.",
     "Kemas kini pangkalan data yang biasa gagal atau tidak diterima.",
     {}),
    ("false_positive", "4.1.2", "False positive", "Positif palsu Perisian",
     "The software detects a clean file or website as malware. Attach the file as a sample.",
     "Perisian mengesan fail atau laman web yang bersih sebagai perisian hasad. Lampirkan "
     "fail tersebut sebagai sampel.",
     {"takes_sample": True}),
    ("undetected_malware", "4.1.2", "Undetected malware",
     "Perisian hasad yang tidak dapat dikesan",
     "You suspect malware that the software does not detect. Attach the file as a sample.",
     "Anda mengesyaki perisian hasad yang tidak dapat dikesan oleh Perisian. Lampirkan fail "
     "tersebut sebagai sampel.",
     {"takes_sample": True}),
    ("infection_cleanup_advice", "4.1.2", "Advice on cleaning an infected computer",
     "Pengesyoran untuk membersihkan komputer yang telah dijangkiti perisian hasad",
     "Recommendations on how to clean a computer infected with malware yourself.",
     "Pengesyoran tentang cara membersihkan sendiri komputer yang telah dijangkiti perisian "
     "hasad.",
     {}),
    ("licence_recovery", "4.1.3", "Recovering lost or damaged licence information",
     "Mendapatkan semula maklumat mengenai lesen yang hilang atau rosak",
     "Help, where possible, to recover licence information you have lost. Give the order "
     "number or the purchaser's email address.",
     "Bantuan untuk mendapatkan semula maklumat mengenai Lesen yang hilang atau rosak (jika "
     "boleh). Berikan nombor pesanan atau alamat e-mel pembeli.",
     {"needs_product": False, "needs_licence": False}),
    ("howto_download", "4.1.4", "How and where to download the software",
     "Bagaimana dan di mana untuk memuat turun Perisian",
     "Where to get the software and how to download it.",
     "Di mana untuk mendapatkan Perisian dan cara memuat turunnya.",
     {"needs_product": False, "needs_licence": False}),
    ("find_documentation", "4.1.4", "Where to find information about the software",
     "Di mana untuk mendapatkan maklumat mengenai Perisian",
     "User guides, training material and other documentation.",
     "Panduan pengguna, bahan latihan dan dokumentasi lain.",
     {"needs_product": False, "needs_licence": False}),
    ("online_services", "4.1.4", "Using the online services (My Kaspersky, CompanyAccount)",
     "Menggunakan perkhidmatan dalam talian (My Kaspersky, CompanyAccount)",
     "How to use the online services My Kaspersky or CompanyAccount.",
     "Bagaimana untuk menggunakan perkhidmatan dalam talian: My Kaspersky atau CompanyAccount.",
     {"needs_product": False, "needs_licence": False}),
]

# number, English name, Malay name, extra English, extra Malay, paid service
OUT_OF_SCOPE = [
    (1, "Developing new software features on request",
     "Pembangunan fungsi Perisian yang baharu atas permintaan Pengguna",
     " Ideas for new features are welcome as product feedback.",
     " Cadangan fungsi baharu dialu-alukan sebagai maklum balas.", ""),
    (2, "Improving performance and configuring your device",
     "Meningkatkan prestasi dan mengkonfigurasikan peranti Pengguna", "", "", ""),
    (3, "Experts cleaning an infected computer",
     "Pembersihan komputer yang telah dijangkiti perisian hasad oleh pakar Sokongan Teknikal",
     " Advice on cleaning it yourself (4.1.2 c) is covered.",
     " Pengesyoran untuk membersihkannya sendiri (4.1.2 c) diliputi.", ""),
    (4, "Descriptions of malware", "Perihalan perisian hasad", "", "", ""),
    (5, "On-site and remote support sessions", "Sesi Sokongan Tapak dan Sokongan Jauh",
     PS_EN, PS_MS, "professional_services"),
    (6, "Help by phone or web chat while collecting data or applying recommendations",
     "Membantu Pengguna melalui panggilan telefon atau sembang web semasa mengumpul data "
     "untuk analisis dan/atau aplikasi cadangan", "", "", ""),
    (7, "Questions about third-party applications or operating systems",
     "Soalan mengenai aplikasi pihak ketiga dan/atau sistem pengendalian", "", "", ""),
    (8, "Applying third-party patches to fix vulnerabilities",
     "Penggunaan tampalan pihak ketiga untuk sistem pengendalian dan aplikasi untuk "
     "membetulkan kerentanan", "", "", ""),
    (9, "Integrating the software with third-party software",
     "Integrasi Perisian Kaspersky dengan perisian pihak ketiga", "", "", ""),
    (10, "Expert configuration and performance review, and network security advice",
     "Mengkonfigurasi dan menyemak prestasi Perisian oleh pakar Sokongan Teknikal dan nasihat "
     "tentang mengkonfigurasi keselamatan rangkaian", PS_EN, PS_MS, "professional_services"),
    (11, "Software training", "Latihan perisian",
     " See the online courses instead.", " Sila lihat Kursus Dalam Talian Kaspersky.", ""),
    (12, "Demonstration, deployment and configuration of the software",
     "Demonstrasi, pelaksanaan dan konfigurasi Perisian", PS_EN, PS_MS,
     "professional_services"),
    (13, "Root-cause analysis and an official opinion on a technical error",
     "Analisis dan peruntukan pendapat rasmi mengenai punca ralat teknikal", "", "", ""),
    (14, "Investigating the causes of incidents resulting from a malware infection",
     "Analisis dan penyiasatan punca kejadian akibat daripada jangkitan perisian hasad",
     IR_EN, IR_MS, "incident_response"),
]


def seed_categories(apps, schema_editor):
    RequestCategory = apps.get_model("licensing", "RequestCategory")
    for position, (code, clause, name, name_ms, description, description_ms,
                   flags) in enumerate(IN_SCOPE, start=1):
        RequestCategory.objects.update_or_create(code=code, defaults={
            "clause": clause, "name": name, "name_ms": name_ms, "description": description,
            "description_ms": description_ms, "in_scope": True,
            "needs_product": flags.get("needs_product", True),
            "needs_licence": flags.get("needs_licence", True),
            "takes_sample": flags.get("takes_sample", False), "paid_service": "",
            "position": position * 10, "is_active": True,
        })
    for number, name, name_ms, extra, extra_ms, paid_service in OUT_OF_SCOPE:
        RequestCategory.objects.update_or_create(code=f"oos_4_2_{number}", defaults={
            "clause": f"4.2.{number}", "name": name, "name_ms": name_ms,
            "description": NOT_COVERED_EN + extra, "description_ms": NOT_COVERED_MS + extra_ms,
            "in_scope": False, "needs_product": False, "needs_licence": False,
            "takes_sample": False, "paid_service": paid_service,
            "position": 100 + number, "is_active": True,
        })


class Migration(migrations.Migration):

    dependencies = [
        ("licensing", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_categories, migrations.RunPython.noop),
    ]
