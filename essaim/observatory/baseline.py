"""The baseline the reader of sentiment is measured against (`make bench`): counting words of
a lexicon, positive against negative, with "not" and its kin turning the next words around.
What a spreadsheet or a simple script would do; nothing in Essaim reads with it."""

import re

from essaim.atlas.gazetteer import plain


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Word beginnings, without accents, in the four languages.
POSITIVE = _words("""
bien bon bonne excellent formid genial merci utile clair ravi satisf reuss super parfait
efficace agreable bravo top aide facil adore apprecie encourag enrichiss pratique precieu
good great excellent useful helpful clear thank happy glad love enjoy success perfect easy
smooth brilliant wonderful amazing fantastic valuable pleased works well best nice
buon ottim utile chiar grazie content felic perfett facil riuscit prezios bell fantastic
bravissim soddisf efficac piaciut
buen excelente util clar gracias content feliz perfect facil exito estupend genial
maravill agradec satisf encant fantastic valios
""")
NEGATIVE = _words("""
mal mauvais nul difficil probleme manque trop retard perdu inutile decu frustr compliq
lent panne impossible fatigu epuis dommage echec regret pire cher absent confus annul
bad poor useless difficult problem lack too late lost disappoint frustrat complicat slow
broken impossible tired exhausted fail worse expensive missing confus cancel waste never
hard unclear
male cattiv inutil difficil problem manca tropp ritard pers delus frustr complicat lent
rott impossibil stanc fallit peggi cost assent confus annull spreco
malo mala inutil dificil problema falta demasiad retras perdid decepcion frustr complicad
lent roto imposible cansad agotad fracas peor car ausent confus cancel perdida
""")
NEGATIONS = _words("""
pas not no non ne never jamais mai nunca ni nor sans without senza sin nt dont didnt wasnt
isnt
""")
WORDS = re.compile(r"[\w']+")
NEGATION_REACH = 3


def read(text: str) -> str:
    """positive, neutral or negative, by the lexicon's count."""
    score, flipped = 0, 0
    for word in WORDS.findall(text.casefold()):
        word = plain(word)
        if word in NEGATIONS:
            flipped = NEGATION_REACH
            continue
        sign = 0
        if any(word.startswith(stem) for stem in POSITIVE):
            sign = 1
        elif any(word.startswith(stem) for stem in NEGATIVE):
            sign = -1
        if flipped:
            sign, flipped = -sign, flipped - 1
        score += sign
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"
