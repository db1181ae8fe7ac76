"""The demo's needs and offers, drawn from the field's own stories: Quotient social's volunteers
who answer non-profits' data questions, the Guilde's mentoring, an internship at the Social Good
Accelerator, a refurbisher's laptops for an association, and volunteers in four languages.
The volunteers are members without a password (they cannot sign in)."""

from essaim.atlas.models import Organisation, Service
from essaim.competences.models import Competence
from essaim.diagnostics.questionnaire import questionnaire

from .actions import do_record_demo, do_record_demo_programme
from .models import Need, Profile

PLACES = {
    "montreal": {
        "locality": "Montréal, Québec, Canada",
        "region": "Québec",
        "country": "CA",
        "latitude": 45.5088,
        "longitude": -73.5878,
    },
    "paris": {
        "locality": "Paris, Île-de-France, France",
        "region": "Île-de-France",
        "country": "FR",
        "latitude": 48.8534,
        "longitude": 2.3488,
    },
    "arras": {
        "locality": "Arras, Hauts-de-France, France",
        "region": "Hauts-de-France",
        "country": "FR",
        "latitude": 50.2930,
        "longitude": 2.7819,
    },
    "lille": {
        "locality": "Lille, Hauts-de-France, France",
        "region": "Hauts-de-France",
        "country": "FR",
        "latitude": 50.6330,
        "longitude": 3.0586,
    },
    "bologna": {
        "locality": "Bologna, Emilia-Romagna, Italia",
        "region": "Emilia-Romagna",
        "country": "IT",
        "latitude": 44.4938,
        "longitude": 11.3387,
    },
    "foligno": {
        "locality": "Foligno, Umbria, Italia",
        "region": "Umbria",
        "country": "IT",
        "latitude": 42.9560,
        "longitude": 12.7034,
    },
    "madrid": {
        "locality": "Madrid, Comunidad de Madrid, España",
        "region": "Comunidad de Madrid",
        "country": "ES",
        "latitude": 40.4165,
        "longitude": -3.7026,
    },
    "prat": {
        "locality": "El Prat de Llobregat, Catalunya, España",
        "region": "Catalunya",
        "country": "ES",
        "latitude": 41.3260,
        "longitude": 2.0953,
    },
}

VOLUNTEERS = [
    {
        "username": "demo-amelie",
        "name": "Amélie",
        "place": "montreal",
        "language": "fr",
        "presentation": "Analyste de données, bénévole avec Quotient social : j'aide les OBNL à "
        "lire leurs chiffres, nettoyer leurs tableurs et construire un tableau de bord simple.",
        "kinds": ["skills", "mentoring"],
        "skills": ["tableur", "tableau de bord", "Python"],
        "languages": ["fr", "en"],
        "hours_per_week": 4,
        "radius_km": 30,
        "remote": True,
        "competences": {"1.3": 6, "3.4": 5, "1.2": 5},
        "services": ["data"],
    },
    {
        "username": "demo-marc",
        "name": "Marc",
        "place": "montreal",
        "language": "fr",
        "presentation": "Producteur de jeux vidéo depuis quinze ans, membre de la Guilde : je "
        "mentore des studios indépendants sur la gestion de projet, la mise en marché et le "
        "financement.",
        "kinds": ["mentoring"],
        "skills": ["gestion de projet", "jeu vidéo"],
        "languages": ["fr", "en"],
        "hours_per_week": 2,
        "radius_km": 50,
        "remote": True,
        "competences": {"2.4": 5, "3.1": 6},
        "services": ["consulting"],
    },
    {
        "username": "demo-giulia",
        "name": "Giulia",
        "place": "bologna",
        "language": "it",
        "presentation": "Sviluppatrice web: accessibilità dei siti, WordPress, moduli online "
        "semplici. Aiuto volentieri le cooperative sociali a rendere i loro siti accessibili.",
        "kinds": ["skills", "volunteering"],
        "skills": ["WordPress", "accessibilità"],
        "languages": ["it", "en"],
        "hours_per_week": 5,
        "radius_km": 40,
        "remote": True,
        "competences": {"3.1": 6, "3.4": 5, "2.5": 4},
        "services": [],
        "will_not_do": "social media",
    },
    {
        "username": "demo-lucia",
        "name": "Lucía",
        "place": "madrid",
        "language": "es",
        "presentation": "Ingeniera de ciberseguridad: copias de seguridad, contraseñas, "
        "protección de datos personales y sensibilización de equipos de asociaciones.",
        "kinds": ["skills", "mentoring"],
        "skills": ["ciberseguridad", "RGPD"],
        "languages": ["es", "en", "ca"],
        "hours_per_week": 3,
        "radius_km": 20,
        "remote": True,
        "competences": {"4.1": 6, "4.2": 6},
        "services": ["security"],
    },
    {
        "username": "demo-karim",
        "name": "Karim",
        "place": "arras",
        "language": "fr",
        "presentation": "Retraité de l'informatique, j'accompagne des personnes pour leurs "
        "démarches en ligne et j'installe des ordinateurs dans les associations du Pas-de-Calais.",
        "kinds": ["volunteering", "equipment"],
        "skills": ["installation", "démarches en ligne"],
        "languages": ["fr"],
        "hours_per_week": 6,
        "radius_km": 30,
        "remote": False,
        "competences": {"5.1": 6, "5.2": 5},
        "services": ["digital-mediation"],
    },
    {
        "username": "demo-sophie",
        "name": "Sophie",
        "place": "lille",
        "language": "fr",
        "presentation": "Juriste spécialisée en protection des données : registre RGPD, "
        "mentions, consentement. Je forme les bénévoles des associations.",
        "kinds": ["skills", "mentoring"],
        "skills": ["RGPD", "registre des traitements"],
        "languages": ["fr", "en"],
        "hours_per_week": 3,
        "radius_km": 60,
        "remote": True,
        "competences": {"4.2": 7, "2.6": 5},
        "services": ["training"],
    },
]

NEEDS = [
    {
        "key": "communautique-data",
        "organisation": "Communautique",
        "place": "montreal",
        "language": "fr",
        "kind": "skills",
        "where": "either",
        "languages": ["fr"],
        "hours_per_week": 3,
        "title": "Lire les données de fréquentation de nos ateliers",
        "description": "Nous avons trois ans de feuilles de présence dans des tableurs. Nous "
        "aimerions un tableau de bord simple pour nos rapports aux bailleurs de fonds.",
        "competences": ["1.3"],
        "services": ["data"],
        "skills": ["tableur"],
    },
    {
        "key": "guilde-mentoring",
        "organisation": "La Guilde du jeu vidéo du Québec",
        "place": "montreal",
        "language": "fr",
        "kind": "mentoring",
        "where": "either",
        "languages": ["fr", "en"],
        "hours_per_week": 2,
        "title": "Mentors pour des studios indépendants",
        "description": "Des membres en démarrage cherchent un mentor pour la gestion de projet "
        "et le financement de leur premier jeu.",
        "competences": ["2.4"],
        "services": ["consulting"],
        "skills": ["gestion de projet"],
    },
    {
        "key": "communautique-mentoring",
        "organisation": "Communautique",
        "place": "montreal",
        "language": "fr",
        "kind": "mentoring",
        "where": "remote",
        "languages": ["fr"],
        "hours_per_week": 1,
        "title": "Un mentor pour mesurer l'impact de nos ateliers",
        "description": "Notre nouvelle coordonnatrice aimerait un mentor pour choisir quelques "
        "indicateurs simples et les suivre dans un tableau de bord.",
        "competences": ["1.3"],
        "services": ["data"],
        "skills": [],
    },
    {
        "key": "soga-internship",
        "organisation": "Social Good Accelerator (SOGA)",
        "place": "paris",
        "language": "fr",
        "kind": "internship",
        "where": "on_site",
        "languages": ["fr", "en"],
        "hours_per_week": 35,
        "title": "Stage : cartographier le numérique solidaire",
        "description": "Six mois pour enrichir la cartographie des acteurs de la tech for good "
        "et préparer l'enquête annuelle sur le numérique de l'économie sociale.",
        "competences": ["1.3", "1.2"],
        "services": ["research"],
        "skills": [],
    },
    {
        "key": "bazar-laptops",
        "organisation": "Fantastique Bazar",
        "place": "arras",
        "language": "fr",
        "kind": "equipment",
        "where": "on_site",
        "languages": ["fr"],
        "hours_per_week": None,
        "title": "Dix ordinateurs portables reconditionnés",
        "description": "Pour l'espace numérique de notre tiers-lieu : des ordinateurs portables "
        "reconditionnés, installés avec des logiciels libres.",
        "competences": [],
        "services": ["equipment"],
        "skills": ["ordinateurs portables"],
    },
    {
        "key": "egina-accessibility",
        "organisation": "EGINA",
        "place": "foligno",
        "language": "it",
        "kind": "skills",
        "where": "remote",
        "languages": ["it", "en"],
        "hours_per_week": 4,
        "title": "Rendere accessibile il nostro sito",
        "description": "Il sito dei nostri corsi non è leggibile con un lettore di schermo: "
        "cerchiamo qualcuno che ci aiuti a correggerlo.",
        "competences": ["3.1"],
        "services": [],
        "skills": ["WordPress", "accessibilità"],
    },
    {
        "key": "esplai-security",
        "organisation": "Fundación Esplai",
        "place": "prat",
        "language": "es",
        "kind": "skills",
        "where": "either",
        "languages": ["es", "ca"],
        "hours_per_week": 2,
        "title": "Proteger los datos de nuestras personas usuarias",
        "description": "Queremos revisar nuestras copias de seguridad y formar al equipo en "
        "contraseñas y protección de datos.",
        "competences": ["4.1", "4.2"],
        "services": ["security"],
        "skills": [],
        "from_question": "security.backups",
    },
]

# A mentoring round of the demo, waiting for rankings: needs by key, volunteers by username.
PROGRAMME = {
    "name": "Mentorat numérique — printemps 2027",
    "kind": "mentoring",
    "needs": ["guilde-mentoring", "communautique-mentoring"],
    "mentors": [("demo-marc", 2), ("demo-sophie", 1), ("demo-amelie", 1)],
}

CONTACTS = [
    {
        "need": "communautique-data",
        "volunteer": "demo-amelie",
        "asked_by": "offer",
        "state": "done",
        "days_ago": 40,
        "answer_hours": 20,
        "message": "Bonjour, je fais ce genre de tableau de bord "
        "avec Quotient social : je peux vous aider à distance ou sur place.",
        "answer": "Avec plaisir, merci !",
        "feedback": [("need", "yes", True), ("offer", "yes", True)],
    },
    {
        "need": "guilde-mentoring",
        "volunteer": "demo-marc",
        "asked_by": "need",
        "state": "accepted",
        "days_ago": 6,
        "answer_hours": 30,
        "message": "Bonjour Marc, un de nos studios membres "
        "aimerait votre regard sur son plan de financement.",
    },
    {
        "need": "esplai-security",
        "volunteer": "demo-lucia",
        "asked_by": "need",
        "state": "proposed",
        "days_ago": 1,
        "answer_hours": 0,
        "message": "Hola Lucía, ¿podría ayudarnos a revisar nuestras copias de seguridad?",
    },
]


def _competences(numbers) -> dict[str, int]:
    found = dict(
        Competence.objects.filter(framework__key="digcomp-2.2").values_list("number", "pk")
    )
    return {number: found[number] for number in numbers if number in found}


def load_demo_matching() -> int:
    """Record the demo's volunteers, needs and requests once; how many needs were added."""
    if Need.objects.exists():
        return 0
    organisations = {
        o.name: o for o in Organisation.objects.filter(name__in=[n["organisation"] for n in NEEDS])
    }
    services = {s.code: s for s in Service.objects.all()}
    known = set(questionnaire().questions)
    volunteers = []
    for data in VOLUNTEERS:
        competences = _competences(data["competences"])
        volunteers.append({
            **data, **PLACES[data["place"]], "email": f"{data['username']}@example.org",
            "competences": {pk: data["competences"][n] for n, pk in competences.items()},
            "services": [services[c] for c in data["services"] if c in services],
            "will_not_do": data.get("will_not_do", ""), "phone": "", "digest": False,
        })  # fmt: skip
    needs = []
    for data in NEEDS:
        if data["organisation"] not in organisations:
            continue
        needs.append({
            **data, **PLACES[data["place"]], "organisation": organisations[data["organisation"]],
            "competences": list(_competences(data["competences"]).values()),
            "services": [services[c] for c in data["services"] if c in services],
            "from_question": data.get("from_question", "") if data.get("from_question") in known
            else "", "starts_on": None, "ends_on": None, "deadline": None,
        })  # fmt: skip
    keys = {n["key"] for n in needs}
    contacts = [c for c in CONTACTS if c["need"] in keys]
    added = do_record_demo(volunteers, needs, contacts)
    titles = {n["key"]: n["title"] for n in needs}
    by_title = {n.title: n for n in Need.objects.filter(title__in=titles.values())}
    mentors = {p.user.username: p for p in Profile.objects.select_related("user")}
    entries = [(by_title[titles[key]], None, 1) for key in PROGRAMME["needs"] if key in titles]
    entries += [(None, mentors[name], places) for name, places in PROGRAMME["mentors"]
                if name in mentors]  # fmt: skip
    do_record_demo_programme(PROGRAMME["name"], PROGRAMME["kind"], entries)
    return added
