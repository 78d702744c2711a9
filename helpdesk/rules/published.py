"""The Support Rules in force, as data (loaded by `helpdesk.rules.load_published_rules`).

Labels are the ones SUPPORT_RULES.md uses. The English title and text restate each clause in
the portal's own words; the Malay text is the vendor's published Malay edition ("Dikemas
kini 07 April 2022"), with the lead-in of each numbered list kept so that a clause cited on
its own still reads as a rule. Paragraphs the published text leaves unnumbered carry the
portal's label and `is_unnumbered=True`.

Markup in texts: a line starting with "- " is a list item, "  - " an item of a sub-list;
any other line is a paragraph.
"""

from dataclasses import dataclass
from datetime import date

VERSION = "2022-04-07"
EFFECTIVE_FROM = date(2022, 4, 7)
TITLE = "Support Rules for the vendor's software"
TITLE_MS = "Peraturan Sokongan untuk Perisian"


@dataclass(frozen=True)
class ClauseText:
    label: str
    title: str
    title_ms: str
    text: str
    text_ms: str
    is_unnumbered: bool = False


# Lead-ins of the published numbered lists.
_SUPPORTED_MS = "Perisian yang disokong adalah seperti yang berikut:"
_COVERED_MS = "Sokongan Standard meliputi sokongan yang berikut:"
_NOT_COVERED_MS = "Sokongan Standard tidak meliputi sokongan yang berikut:"
_NO_SUPPORT_MS = "Kaspersky tidak menyediakan Sokongan dalam kes yang berikut:"
_NO_GUARANTEE_MS = (
    "Kaspersky tidak menjamin pemasangan yang berjaya, operasi Perisian yang stabil dan "
    "penyelesaian masalah dalam kes yang berikut:"
)
_CONDITIONS_MS = "Kaspersky menyediakan Sokongan untuk keadaan yang berikut:"
_FEEDBACK_MS = "Maklum balas tentang kerja Sokongan Teknikal boleh dikemukakan seperti berikut:"

_NO_GUARANTEE = (
    "The vendor does not guarantee a successful installation, stable operation of the "
    "software or a solution to the problem"
)
_PROFESSIONAL_SERVICES = (
    "This can be bought as an additional service within the vendor's Professional Services."
)


def _item(lead_in: str, item: str) -> str:
    return f"{lead_in}\n- {item}"


CLAUSES: tuple[ClauseText, ...] = (
    ClauseText(
        "1",
        "About these Rules",
        "Mengenai Peraturan ini",
        'These Rules describe the technical support ("Support") that the vendor gives to '
        "the users of its software. The vendor may change the Rules and publishes the "
        "current version; this portal always shows the version in force, and earlier "
        "versions stay readable.",
        'Peraturan Sokongan (selepas ini dirujuk sebagai "Peraturan”) untuk Perisian '
        'Kaspersky (selepas ini dirujuk sebagai "Perisian”) menjelaskan sokongan teknikal '
        '(selepas ini dirujuk sebagai "Sokongan") yang diberikan oleh Kaspersky kepada '
        "Penggunanya. Kaspersky berhak untuk mengubah Peraturan ini dan akan menerbitkan "
        "versi terkini di https://support.kaspersky.com/.",
    ),
    ClauseText(
        "2.1",
        "Help every user can reach",
        "Akses untuk semua Pengguna",
        "Every user can use:\n"
        "- a knowledge base, one for home and mobile software and one for business software;\n"
        "- the expert Community, a website where users help one another and share knowledge "
        "with experts; the vendor provides the platform but does not promise that every "
        "question posted there will be resolved;\n"
        "- the vendor's online courses, for learning the software.",
        "Semua Pengguna mempunyai akses kepada:\n"
        "- Pangkalan pengetahuan:\n"
        "  - Bagi Perisian untuk kediaman dan peranti mudah alih, lihat di sini.\n"
        "  - Bagi Perisian untuk perniagaan, lihat di sini.\n"
        "- Sokongan daripada pakar di Community. Community ialah sebuah laman web yang "
        "digunakan para Pengguna untuk memberi Sokongan. Kaspersky menyediakan platform ini "
        "untuk tujuan komunikasi dan perkongsian pengetahuan antara pakar dengan Pengguna. "
        "Walau bagaimanapun ia tidak menjamin bahawa semua permintaan yang diterbitkan di "
        "laman web ini akan diselesaikan.\n"
        "- Kursus Dalam Talian Kaspersky. Anda boleh mengikuti latihan dalam talian di laman "
        "web ini.",
    ),
    ClauseText(
        "2.2",
        "Support working hours",
        "Waktu bekerja Sokongan Teknikal",
        "The hours in which technical support works depend on the country and on the kind "
        "of solution:\n"
        "- home and mobile devices;\n"
        "- small business;\n"
        "- medium and large business.",
        "Waktu bekerja Sokongan Teknikal Kaspersky bergantung pada negara dan jenis "
        "penyelesaiannya:\n"
        "- Bagi kediaman dan peranti mudah alih, lihat di sini.\n"
        "- Bagi perniagaan kecil, lihat di sini.\n"
        "- Bagi perniagaan bersaiz sederhana dan besar, lihat di sini.",
    ),
    ClauseText(
        "3.1",
        "Supported software for home and mobile devices",
        "Perisian yang disokong: kediaman dan peranti mudah alih",
        "The software supported for home and mobile devices is listed in the vendor's "
        "catalogue of products and versions.",
        _item(_SUPPORTED_MS, "Bagi kediaman dan peranti mudah alih, lihat di sini."),
    ),
    ClauseText(
        "3.2",
        "Supported software for business",
        "Perisian yang disokong: perniagaan",
        "The software supported for business is listed in the vendor's catalogue of "
        "products and versions.",
        _item(_SUPPORTED_MS, "Bagi perniagaan, lihat di sini."),
    ),
    ClauseText(
        "3.3",
        "Response times",
        "Tempoh masa tindak balas",
        "Technical support does its best to give good support within a reasonable time, "
        "which depends on the kind of request. A commitment to respond within a fixed time "
        "can only be offered as part of a paid service.",
        "Sokongan Teknikal Kaspersky berusaha sedaya upaya untuk memberikan sokongan yang "
        "berkualiti dalam tempoh masa yang sewajarnya, bergantung pada jenis permintaan "
        "sokongan tersebut. Kewajipan untuk memberi tindak balas dalam suatu tempoh masa yang "
        "tetap hanya dapat ditawarkan sebagai sebahagian daripada perkhidmatan berbayar.",
        is_unnumbered=True,
    ),
    ClauseText(
        "3.4",
        "Special support terms",
        "Terma dan syarat sokongan yang berbeza",
        "Some software has support terms and conditions that differ from the standard "
        "ones; those terms are published with the software concerned.",
        "Terma dan syarat sokongan untuk sesetengah Perisian mungkin berbeza daripada terma "
        "dan syarat yang standard. Terma dan syarat boleh didapati di sini.",
        is_unnumbered=True,
    ),
    ClauseText(
        "4.1.1",
        "Software malfunctions and database updates",
        "Kepincangan tugas perisian dan kemas kini pangkalan data",
        "Standard Support covers requests about the software not working as it should, and "
        "about the routine updates of its databases.",
        _item(
            _COVERED_MS,
            "Memproses permintaan yang berkaitan dengan kepincangan "
            "tugas perisian dan kemas kini pangkalan data yang biasa",
        ),
    ),
    ClauseText(
        "4.1.2",
        "Malware requests",
        "Permintaan yang berkaitan dengan perisian hasad",
        "Standard Support covers requests about malware:\n"
        "- a) a false positive, where the software reports a clean file as malware;\n"
        "- b) malware that the software does not detect;\n"
        "- c) recommendations for cleaning a computer infected with malware.",
        f"{_COVERED_MS}\n"
        "- Memproses permintaan yang berkaitan dengan perisian hasad:\n"
        "  - a) Positif palsu Perisian\n"
        "  - b) Perisian hasad yang tidak dapat dikesan\n"
        "  - c) Pengesyoran untuk membersihkan komputer yang telah dijangkiti perisian hasad",
    ),
    ClauseText(
        "4.1.3",
        "Recovering licence information",
        "Mendapatkan semula maklumat Lesen",
        "Standard Support covers help, where it is possible, with recovering information "
        "about a licence that was lost or damaged.",
        _item(
            _COVERED_MS,
            "Menyediakan bantuan untuk mendapatkan semula maklumat "
            "mengenai lesen yang hilang atau rosak (jika boleh)",
        ),
    ),
    ClauseText(
        "4.1.4",
        "Consultation",
        "Khidmat rundingan",
        "Standard Support covers consultation on these questions:\n"
        "- a) how and where to download the software;\n"
        "- b) where to find information about the software, such as user guides and "
        "training material;\n"
        "- c) how to use the vendor's online services for home users and for companies.",
        f"{_COVERED_MS}\n"
        "- Memberikan khidmat rundingan bagi soalan yang berikut:\n"
        "  - a) Bagaimana dan di mana untuk memuat turun Perisian\n"
        "  - b) Di mana untuk mendapatkan maklumat mengenai Perisian. Contohnya, melalui "
        "panduan pengguna dan bahan latihan.\n"
        "  - c) Bagaimana untuk menggunakan perkhidmatan dalam talian: My Kaspersky atau "
        "CompanyAccount",
    ),
    ClauseText(
        "4.2.1",
        "New functions on request",
        "Pembangunan fungsi Perisian yang baharu",
        "Standard Support does not cover developing new functions of the software at a "
        "user's request.",
        _item(_NOT_COVERED_MS, "Pembangunan fungsi Perisian yang baharu atas permintaan Pengguna"),
    ),
    ClauseText(
        "4.2.2",
        "Device performance and configuration",
        "Prestasi dan konfigurasi peranti Pengguna",
        "Standard Support does not cover making the user's device faster or configuring it.",
        _item(_NOT_COVERED_MS, "Meningkatkan prestasi dan mengkonfigurasikan peranti Pengguna"),
    ),
    ClauseText(
        "4.2.3",
        "Cleaning an infected computer",
        "Pembersihan komputer yang dijangkiti",
        "Standard Support does not cover support experts cleaning a computer infected with "
        "malware, including reducing the effects of the infection. Recommendations for "
        "cleaning it (4.1.2 c) are covered.",
        _item(
            _NOT_COVERED_MS,
            "Pembersihan komputer yang telah dijangkiti perisian "
            "hasad (termasuk mengurangkan kesan jangkitan tersebut) oleh pakar Sokongan "
            "Teknikal",
        ),
    ),
    ClauseText(
        "4.2.4",
        "Descriptions of malware",
        "Perihalan perisian hasad",
        "Standard Support does not cover describing malware.",
        _item(_NOT_COVERED_MS, "Perihalan perisian hasad"),
    ),
    ClauseText(
        "4.2.5",
        "On-site and remote support sessions",
        "Sesi Sokongan Tapak dan Sokongan Jauh",
        f"Standard Support does not cover support sessions on site or by remote access. "
        f"{_PROFESSIONAL_SERVICES}",
        _item(
            _NOT_COVERED_MS,
            "Sesi Sokongan Tapak dan Sokongan Jauh (boleh dibeli "
            "sebagai perkhidmatan tambahan dalam Kaspersky Professional Services)",
        ),
    ),
    ClauseText(
        "4.2.6",
        "Help by phone or web chat",
        "Bantuan melalui panggilan telefon atau sembang web",
        "Standard Support does not cover staying with the user on a phone call or in a web "
        "chat while data is collected for analysis or while recommendations are applied.",
        _item(
            _NOT_COVERED_MS,
            "Membantu Pengguna melalui panggilan telefon atau "
            "melalui sembang web semasa mengumpul data untuk analisis dan/atau aplikasi "
            "cadangan",
        ),
    ),
    ClauseText(
        "4.2.7",
        "Third-party applications and operating systems",
        "Aplikasi pihak ketiga dan sistem pengendalian",
        "Standard Support does not cover questions about other vendors' applications or "
        "about operating systems.",
        _item(
            _NOT_COVERED_MS, "Soalan mengenai aplikasi pihak ketiga dan/atau sistem pengendalian"
        ),
    ),
    ClauseText(
        "4.2.8",
        "Third-party patches",
        "Tampalan pihak ketiga",
        "Standard Support does not cover applying other vendors' patches to operating "
        "systems and applications to fix vulnerabilities.",
        _item(
            _NOT_COVERED_MS,
            "Penggunaan tampalan pihak ketiga untuk sistem "
            "pengendalian dan aplikasi untuk membetulkan kerentanan",
        ),
    ),
    ClauseText(
        "4.2.9",
        "Integration with third-party software",
        "Integrasi dengan perisian pihak ketiga",
        "Standard Support does not cover making the vendor's software work together with "
        "software from other vendors.",
        _item(_NOT_COVERED_MS, "Integrasi Perisian Kaspersky dengan perisian pihak ketiga"),
    ),
    ClauseText(
        "4.2.10",
        "Configuration review and network security advice",
        "Semakan konfigurasi dan nasihat keselamatan rangkaian",
        f"Standard Support does not cover support experts configuring the software or "
        f"reviewing its performance, nor advice on configuring network security. "
        f"{_PROFESSIONAL_SERVICES}",
        _item(
            _NOT_COVERED_MS,
            "Mengkonfigurasi dan menyemak prestasi Perisian oleh "
            "pakar Sokongan Teknikal dan nasihat tentang mengkonfigurasi keselamatan "
            "rangkaian (boleh dibeli sebagai perkhidmatan tambahan dalam Kaspersky "
            "Professional Services)",
        ),
    ),
    ClauseText(
        "4.2.11",
        "Software training",
        "Latihan perisian",
        "Standard Support does not cover training in the software. The online courses "
        "(2.1) are open to every user.",
        _item(_NOT_COVERED_MS, "Latihan perisian"),
    ),
    ClauseText(
        "4.2.12",
        "Demonstration, deployment and configuration",
        "Demonstrasi, pelaksanaan dan konfigurasi Perisian",
        f"Standard Support does not cover demonstrating, deploying or configuring the "
        f"software. {_PROFESSIONAL_SERVICES}",
        _item(
            _NOT_COVERED_MS,
            "Demonstrasi, pelaksanaan dan konfigurasi Perisian "
            "(boleh dibeli sebagai perkhidmatan tambahan dalam Kaspersky Professional "
            "Services)",
        ),
    ),
    ClauseText(
        "4.2.13",
        "Root cause of a technical error",
        "Punca ralat teknikal",
        "Standard Support does not cover analysing the root cause of a technical error or "
        "giving an official opinion on it.",
        _item(
            _NOT_COVERED_MS, "Analisis dan peruntukan pendapat rasmi mengenai punca ralat teknikal"
        ),
    ),
    ClauseText(
        "4.2.14",
        "Investigating malware incidents",
        "Penyiasatan punca kejadian jangkitan perisian hasad",
        "Standard Support does not cover analysing and investigating the causes of "
        "incidents that result from a malware infection. This can be bought as an "
        "additional service within the vendor's Incident Response.",
        _item(
            _NOT_COVERED_MS,
            "Analisis dan penyiasatan punca kejadian akibat "
            "daripada jangkitan perisian hasad (boleh dibeli sebagai perkhidmatan tambahan "
            "dalam Kaspersky Incident Response)",
        ),
    ),
    ClauseText(
        "4.3.1",
        "Below the minimum system requirements",
        "Keperluan sistem yang minimum",
        "No support is given for hardware or software platforms that do not meet the "
        "software's minimum system requirements.",
        _item(
            _NO_SUPPORT_MS,
            "Perkakasan dan/atau perisian dengan platform khusus "
            "yang tidak memenuhi keperluan sistem yang minimum untuk Perisian.",
        ),
    ),
    ClauseText(
        "4.3.2",
        "Versions no longer supported",
        "Versi perisian tidak lagi disokong",
        "No support is given for versions of the software that are no longer supported. An "
        "extension of support can be bought on request.",
        _item(
            _NO_SUPPORT_MS,
            "Versi perisian tidak lagi disokong (pembaharuan "
            "sokongan boleh dibeli atas permintaan)",
        ),
    ),
    ClauseText(
        "4.4.1",
        "Installed on an infected device",
        "Pemasangan pada peranti yang dijangkiti",
        f"{_NO_GUARANTEE} when the software was installed on a device that was already infected.",
        _item(_NO_GUARANTEE_MS, "Pemasangan dilakukan pada peranti telah yang dijangkiti."),
    ),
    ClauseText(
        "4.4.2",
        "Incompatible applications",
        "Aplikasi lain yang tidak serasi",
        f"{_NO_GUARANTEE} when the software was installed alongside other applications "
        f"that are not compatible with it.",
        _item(
            _NO_GUARANTEE_MS,
            "Perisian Kaspersky dipasang dalam persekitaran yang "
            "bercampur dengan aplikasi lain yang tidak serasi.",
        ),
    ),
    ClauseText(
        "4.4.3",
        "Hardware problems",
        "Masalah perkakasan",
        f"{_NO_GUARANTEE} when the fault is caused by a problem with the hardware.",
        _item(_NO_GUARANTEE_MS, "Gangguan perisian disebabkan oleh masalah perkakasan."),
    ),
    ClauseText(
        "4.4.4",
        "Unsuitable platform version",
        "Versi platform yang tidak sesuai",
        f"{_NO_GUARANTEE} when the fault is caused by a version of the platform that is not "
        f"suitable for the software.",
        _item(
            _NO_GUARANTEE_MS,
            "Gangguan perisian disebabkan oleh versi perisian "
            "dengan platform khusus yang tidak sesuai.",
        ),
    ),
    ClauseText(
        "4.4.5",
        "Information needed is not given",
        "Maklumat yang diperlukan tidak diberikan",
        f"{_NO_GUARANTEE} when the user cannot or will not give technical support the "
        f"information it needs to reproduce, analyse and solve the problem.",
        _item(
            _NO_GUARANTEE_MS,
            "Pengguna tidak dapat atau enggan memberikan maklumat "
            "yang diperlukan untuk menghasilkan semula, menganalisis dan menyelesaikan "
            "masalah yang tertentu kepada Sokongan Teknikal Kaspersky.",
        ),
    ),
    ClauseText(
        "4.4.6",
        "Misuse or instructions not followed",
        "Penggunaan yang salah atau arahan diabaikan",
        f"{_NO_GUARANTEE} when the problem comes from using the software wrongly or from "
        f"ignoring the instructions of technical support or the vendor's documentation.",
        _item(
            _NO_GUARANTEE_MS,
            "Masalah itu timbul kerana penggunaan yang salah atau "
            "pengabaian arahan yang diberikan oleh Sokongan Teknikal Kaspersky atau "
            "dokumentasi Kaspersky.",
        ),
    ),
    ClauseText(
        "4.5a",
        "Home and mobile software: any licence status",
        "Perisian kediaman dan peranti mudah alih: tanpa mengira status Lesen",
        "For home and mobile devices, all commercial and free-premium software is "
        "supported whatever the status of the licence.",
        _item(
            _CONDITIONS_MS,
            "a) Semua Perisian komersial dan percuma premium untuk "
            "kediaman dan peranti mudah alih disokong tanpa mengira status Lesen.",
        ),
    ),
    ClauseText(
        "4.5b",
        "Business software: a valid licence",
        "Perisian perniagaan: Lesen yang sah",
        "For small, medium and large businesses, support for any commercial software needs "
        "a valid licence.",
        _item(
            _CONDITIONS_MS,
            "b) Lesen yang sah diperlukan untuk sokongan semua Perisian "
            "komersial bagi perniagaan kecil, sederhana dan besar.",
        ),
    ),
    ClauseText(
        "5.1",
        "Paid services",
        "Perkhidmatan berbayar",
        "Some services that Standard Support does not include may be offered as paid "
        "services. The vendor offers Professional Services and Premium Support, in which its "
        "experts help with the tasks and difficulties met while using its security "
        "solutions.",
        "Beberapa perkhidmatan yang tidak termasuk dalam Sokongan Standard mungkin "
        "ditawarkan sebagai sebahagian daripada perkhidmatan berbayar.\n"
        "Kaspersky menyediakan Perkhidmatan Profesional dan Sokongan Premium. Pakar terbaik "
        "Kaspersky akan membantu anda dengan sebarang tugas dan kesukaran yang mungkin "
        "dihadapi semasa menggunakan penyelesaian keselamatan.\n"
        "Maklumat terperinci tentang Perkhidmatan Profesional boleh didapati di sini.\n"
        "Maklumat terperinci tentang Sokongan Premium boleh didapati di sini.",
        is_unnumbered=True,
    ),
    ClauseText(
        "5.2",
        "Where paid services are offered",
        "Ketersediaan perkhidmatan berbayar",
        "Which paid services are available, and what they include, differs between regional "
        "and local service providers.",
        "Ketersediaan dan kandungan perkhidmatan berbayar berbeza mengikut penyedia "
        "perkhidmatan wilayah dan setempat.",
        is_unnumbered=True,
    ),
    ClauseText(
        "6.1",
        "What support is given under",
        "Perjanjian Lesen Pengguna Akhir dan Peraturan ini",
        "Technical support for the software is given under the End User Licence Agreement "
        "and these Rules.",
        "Kaspersky menjamin penyediaan Sokongan Teknikal untuk Perisian, menurut Perjanjian "
        'Lesen Pengguna Akhir ("Perjanjian") dan Peraturan ini.',
        is_unnumbered=True,
    ),
    ClauseText(
        "6.2",
        "Additional utilities",
        "Utiliti tambahan",
        "Technical support may ask the user to run additional utilities (software tools) "
        "from the vendor when this is needed to handle a request.",
        "Sokongan Teknikal Kaspersky boleh meminta Pengguna untuk melaksanakan utiliti "
        "Kaspersky tambahan (alat perisian) jika dianggap perlu untuk mengendalikan suatu "
        "permintaan.",
        is_unnumbered=True,
    ),
    ClauseText(
        "6.3",
        "Feedback on the quality of service",
        "Maklum balas tentang kualiti perkhidmatan",
        "After a request has been handled, and also from time to time, the vendor may ask "
        "the user for feedback on the quality of the service given.",
        "Setelah memproses suatu permintaan dan dilakukan secara berkala, Kaspersky berhak "
        "untuk meminta Pengguna memberikan maklum balas tentang kualiti perkhidmatan yang "
        "telah diberikan.",
        is_unnumbered=True,
    ),
    ClauseText(
        "6.4",
        "What the user must give",
        "Tanggungjawab Pengguna",
        "While in contact with technical support, the user must answer in good time and "
        "give the details of the licence bought and all the information needed to handle "
        "the request properly.",
        "Semasa berkomunikasi dengan Sokongan Teknikal, Pengguna mesti memberikan Kaspersky "
        "respons yang tepat pada masanya, maklumat mengenai Lesen yang dibeli dan apa-apa "
        "maklumat yang diperlukan untuk memproses permintaan tersebut dengan betul.",
        is_unnumbered=True,
    ),
    ClauseText(
        "7.1",
        "Feedback on home and mobile software",
        "Maklum balas: Perisian kediaman dan mudah alih",
        "Feedback on the work of technical support about home and mobile software is given "
        "about registered requests, through the vendor's online account for home users.",
        _item(
            _FEEDBACK_MS,
            "Bagi Perisian kediaman dan mudah alih, melalui My "
            "Kaspersky untuk hal berkenaan permintaan berdaftar.",
        ),
    ),
    ClauseText(
        "7.2",
        "Feedback on business software",
        "Maklum balas: Perisian korporat",
        "Feedback on the work of technical support about corporate software is given through "
        "a dedicated section of the vendor's online account for companies.",
        _item(
            _FEEDBACK_MS, "Bagi Perisian korporat, melalui bahagian yang khusus di CompanyAccount."
        ),
    ),
)
