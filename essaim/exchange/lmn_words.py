"""What a place of the Schéma des lieux de médiation numérique says (fees, access, support,
appointments… kept in `Organisation.mediation`, see lmn.py), in words, in the visitor's
language."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

_web_address = URLValidator(schemes=["http", "https"])

# The schema's values (French, as the schema writes them) -> words in the visitor's language.
VALUE_WORDS = {
    "frais_a_charge": {
        "Gratuit": _("Free"),
        "Gratuit sous condition": _("Free under conditions"),
        "Payant": _("Paid"),
    },
    "modalites_acces": {
        "Se présenter": _("Come in person"),
        "Téléphoner": _("Call by phone"),
        "Contacter par mail": _("Write an email"),
        "Envoyer un mail avec une fiche de prescription": _("Email a referral form"),
        "Prendre un RDV en ligne": _("Book an appointment online"),
        "Ce lieu n'accueille pas de public": _("This place does not receive the public"),
    },
    "modalites_accompagnement": {
        "En autonomie": _("On your own"),
        "Accompagnement individuel": _("One-to-one support"),
        "Dans un atelier collectif": _("In a group workshop"),
        "À distance": _("Remotely"),
    },
    "publics_specifiquement_adresses": {
        "Jeunes": _("Young people"),
        "Étudiants": _("Students"),
        "Familles et/ou enfants": _("Families and children"),
        "Seniors": _("Older people"),
        "Femmes": _("Women"),
    },
    "prise_en_charge_specifique": {
        "Surdité": _("Deafness"),
        "Handicaps moteurs": _("Physical disabilities"),
        "Handicaps mentaux": _("Intellectual disabilities"),
        "Illettrisme": _("Illiteracy"),
        "Langues étrangères (anglais)": _("Foreign languages (English)"),
        "Langues étrangères (autres)": _("Foreign languages (others)"),
        "Déficience visuelle": _("Visual impairment"),
    },
    "itinerance": {
        "Itinérant": _("Mobile: it comes to people"),
        "Fixe": _("In one place"),
    },
}
# In the order a visitor needs them. Programmes and labels are proper names: shown as the
# schema writes them, in French.
LABELS = {
    "frais_a_charge": _("Price"),
    "modalites_acces": _("How to come"),
    "prise_rdv": _("Appointments"),
    "modalites_accompagnement": _("Support offered"),
    "publics_specifiquement_adresses": _("Especially for"),
    "prise_en_charge_specifique": _("Support adapted to"),
    "fiche_acces_libre": _("Accessibility"),
    "itinerance": _("Mobility"),
    "dispositif_programmes_nationaux": _("National programmes"),
    "formations_labels": _("Training and labels"),
}
# The link's words, for the fields that are web addresses.
LINKS = {
    "prise_rdv": _("Book an appointment"),
    "fiche_acces_libre": _("Accessibility details on Acceslibre"),
}


@dataclass(frozen=True)
class MediationFact:
    label: str
    words: list[str] = field(default_factory=list)
    # Set when the words are the schema's own, in French.
    language: str = ""
    url: str = ""
    link: str = ""


def is_web_address(text: str) -> bool:
    try:
        _web_address(text)
    except ValidationError:
        return False
    return True


def _words(name: str, values: list[str]) -> MediationFact:
    known = VALUE_WORDS[name]
    if all(value in known for value in values):
        return MediationFact(str(LABELS[name]), [str(known[value]) for value in values])
    # A value the schema has added since: as written.
    return MediationFact(str(LABELS[name]), list(values), language="fr")


def mediation_facts(mediation: dict) -> list[MediationFact]:
    """The facts a visitor needs, in the order they need them."""
    mediation = mediation or {}
    facts = []
    for name in LABELS:
        value = mediation.get(name)
        if name == "formations_labels":
            value = [*(value or []), *(mediation.get("autres_formations_labels") or [])]
        if not value:
            continue
        if name in LINKS:
            text = str(value).strip()
            if is_web_address(text):
                facts.append(MediationFact(str(LABELS[name]), url=text, link=str(LINKS[name])))
            else:
                facts.append(MediationFact(str(LABELS[name]), [text], language="fr"))
        elif name in VALUE_WORDS:
            facts.append(_words(name, list(value)))
        else:
            facts.append(MediationFact(str(LABELS[name]), list(value), language="fr"))
    return facts
