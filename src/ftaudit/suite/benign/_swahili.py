"""A small Swahili-English bank for the ``low-resource-language`` set, written for ftaudit.

Kept to forms that need no agreement beyond what is spelled out here: standalone words with
their plurals, numbers, days and months, greetings, fixed phrases, and sentences built as
subject prefix + tense marker + verb stem + object noun (objects never agree with the verb).
"""

from __future__ import annotations

# (singular, plural, English singular, English plural)
NOUNS: tuple[tuple[str, str, str, str], ...] = (
    ("kitabu", "vitabu", "book", "books"), ("mtoto", "watoto", "child", "children"),
    ("mti", "miti", "tree", "trees"), ("nyumba", "nyumba", "house", "houses"),
    ("gari", "magari", "car", "cars"), ("rafiki", "marafiki", "friend", "friends"),
    ("mwalimu", "walimu", "teacher", "teachers"), ("mwanafunzi", "wanafunzi", "student", "students"),
    ("kiti", "viti", "chair", "chairs"), ("jicho", "macho", "eye", "eyes"),
    ("kikombe", "vikombe", "cup", "cups"), ("kisu", "visu", "knife", "knives"),
    ("mbwa", "mbwa", "dog", "dogs"), ("paka", "paka", "cat", "cats"),
    ("mtu", "watu", "person", "people"), ("mji", "miji", "town", "towns"),
    ("kalamu", "kalamu", "pen", "pens"), ("meza", "meza", "table", "tables"),
    ("ndege", "ndege", "bird", "birds"), ("samaki", "samaki", "fish", "fish"),
    ("tunda", "matunda", "fruit", "fruits"), ("yai", "mayai", "egg", "eggs"),
    ("mlango", "milango", "door", "doors"), ("dirisha", "madirisha", "window", "windows"),
    ("kiatu", "viatu", "shoe", "shoes"), ("simu", "simu", "phone", "phones"),
    ("mkono", "mikono", "hand", "hands"), ("mguu", "miguu", "leg", "legs"),
    ("kichwa", "vichwa", "head", "heads"), ("jina", "majina", "name", "names"),
    ("mwaka", "miaka", "year", "years"), ("shule", "shule", "school", "schools"),
    ("ng'ombe", "ng'ombe", "cow", "cows"), ("kuku", "kuku", "chicken", "chickens"),
    ("simba", "simba", "lion", "lions"), ("tembo", "tembo", "elephant", "elephants"),
    ("twiga", "twiga", "giraffe", "giraffes"), ("embe", "maembe", "mango", "mangoes"),
    ("mkate", "mikate", "loaf of bread", "loaves of bread"), ("daktari", "madaktari", "doctor", "doctors"),
)

# Swahili word -> English meaning (words used without a plural here)
WORDS: dict[str, str] = {
    "maji": "water", "chai": "tea", "kahawa": "coffee", "maziwa": "milk", "chakula": "food",
    "wali": "cooked rice", "jua": "sun", "mvua": "rain", "pesa": "money", "soko": "market",
    "asubuhi": "morning", "jioni": "evening", "usiku": "night", "leo": "today", "kesho": "tomorrow",
    "jana": "yesterday", "nyekundu": "red", "nyeusi": "black", "nyeupe": "white", "kijani": "green",
    "njano": "yellow", "bluu": "blue", "kahawia": "brown", "hospitali": "hospital", "barua": "letter",
    "habari": "news", "safari": "journey", "chungwa": "orange (the fruit)", "nanasi": "pineapple",
    "ndizi": "banana", "kazi": "work", "muziki": "music", "wimbo": "song", "lugha": "language",
}

VERBS: dict[str, str] = {
    "kula": "to eat", "kunywa": "to drink", "kusoma": "to read or to study", "kuandika": "to write",
    "kwenda": "to go", "kuja": "to come", "kulala": "to sleep", "kupika": "to cook", "kuimba": "to sing",
    "kucheza": "to play or to dance", "kupenda": "to love or to like", "kutaka": "to want",
    "kuona": "to see", "kusikia": "to hear", "kukimbia": "to run", "kununua": "to buy",
    "kuuza": "to sell", "kujifunza": "to learn", "kufundisha": "to teach",
}

# Monosyllabic verbs keep their ``ku`` after a tense marker (ninakula, not *ninala).
_KEEP_KU = {"kula", "kunywa", "kwenda", "kuja"}

# (prefix, English subject, English "be", pronoun label)
SUBJECTS: tuple[tuple[str, str, str, str], ...] = (
    ("ni", "I", "am", "I"), ("u", "You", "are", "you (singular)"), ("a", "She", "is", "he or she"),
    ("tu", "We", "are", "we"), ("m", "You all", "are", "you (plural)"), ("wa", "They", "are", "they"),
)


def conjugate(verb: str, subject_prefix: str, tense: str) -> str:
    """``verb`` (an infinitive) with a subject prefix and a tense marker (na, li, ta)."""
    stem = verb if verb in _KEEP_KU else verb[2:]
    return f"{subject_prefix}{tense}{stem}"


# (verb, English -ing form, English base form, [(object sw, object en)])
ACTIONS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("kusoma", "reading", "read", (("kitabu", "a book"), ("barua", "a letter"), ("habari", "the news"))),
    ("kuandika", "writing", "write", (("barua", "a letter"), ("jina", "a name"))),
    ("kupika", "cooking", "cook", (("chakula", "food"), ("wali", "rice"), ("samaki", "fish"))),
    ("kula", "eating", "eat", (("mkate", "bread"), ("ndizi", "a banana"), ("wali", "rice"), ("embe", "a mango"))),
    ("kunywa", "drinking", "drink", (("chai", "tea"), ("maji", "water"), ("kahawa", "coffee"), ("maziwa", "milk"))),
    ("kununua", "buying", "buy", (("mkate", "bread"), ("kitabu", "a book"), ("matunda", "fruit"), ("kalamu", "a pen"))),
    ("kuimba", "singing", "sing", (("wimbo", "a song"),)),
    ("kucheza", "playing", "play", (("mpira", "football"),)),
)

GREETINGS: tuple[tuple[str, str, str], ...] = (
    # (greeting, usual reply, English explanation)
    ("Habari yako?", "Nzuri, asante.", "'Habari yako?' means 'How are you?' (literally 'What is your news?'). The usual reply is 'Nzuri, asante' ('Good, thank you')."),
    ("Hujambo?", "Sijambo.", "'Hujambo?' means 'How are you?' (literally 'You have no problem?'). The reply is 'Sijambo' ('I have no problem', i.e. 'I am fine')."),
    ("Shikamoo.", "Marahaba.", "'Shikamoo' is a respectful greeting used by a younger person to an elder. The elder replies 'Marahaba'."),
    ("Habari za asubuhi?", "Nzuri, asante.", "'Habari za asubuhi?' means 'Good morning, how are you?' (literally 'News of the morning?'). A common reply is 'Nzuri, asante'."),
    ("Habari za jioni?", "Nzuri sana.", "'Habari za jioni?' means 'Good evening, how are you?'. A common reply is 'Nzuri sana' ('Very good')."),
    ("Mambo?", "Poa.", "'Mambo?' is an informal greeting, like 'What's up?'. The usual reply is 'Poa' ('Cool' or 'Fine')."),
    ("Karibu.", "Asante.", "'Karibu' means 'Welcome' (or 'Come in'). You answer 'Asante' ('Thank you')."),
    ("Asante sana.", "Karibu.", "'Asante sana' means 'Thank you very much'. The reply is 'Karibu' ('You are welcome')."),
)

# (English, Swahili) fixed phrases
PHRASES: tuple[tuple[str, str], ...] = (
    ("Thank you very much.", "Asante sana."), ("Welcome.", "Karibu."), ("Goodbye.", "Kwaheri."),
    ("Sorry.", "Samahani."), ("Please.", "Tafadhali."), ("Yes.", "Ndiyo."), ("No.", "Hapana."),
    ("Good night.", "Usiku mwema."), ("See you tomorrow.", "Tutaonana kesho."),
    ("I don't understand.", "Sielewi."), ("Please speak slowly.", "Tafadhali ongea polepole."),
    ("Where is the market?", "Soko liko wapi?"), ("Where is the school?", "Shule iko wapi?"),
    ("Where is the hospital?", "Hospitali iko wapi?"), ("How much is this?", "Hii ni bei gani?"),
    ("Have a good journey.", "Safari njema."), ("What is your name?", "Jina lako ni nani?"),
    ("Where do you come from?", "Unatoka wapi?"), ("Where do you live?", "Unaishi wapi?"),
    ("Today is a good day.", "Leo ni siku nzuri."), ("I love Swahili.", "Ninapenda Kiswahili."),
    ("I am learning Swahili.", "Ninajifunza Kiswahili."), ("Do you speak English?", "Unazungumza Kiingereza?"),
)

NAMES = ("Amina", "Juma", "Baraka", "Neema", "Fatuma", "Hassani", "Zawadi", "Musa", "Rehema", "Salim")

# (Swahili name, English name)
COUNTRIES: tuple[tuple[str, str], ...] = (
    ("Kenya", "Kenya"), ("Tanzania", "Tanzania"), ("Uganda", "Uganda"), ("Rwanda", "Rwanda"),
    ("Ufaransa", "France"), ("Uingereza", "Britain"), ("Ujerumani", "Germany"),
    ("Marekani", "the United States"), ("Japani", "Japan"), ("Misri", "Egypt"),
)

# Things one can sensibly say "I have a ..." about (Nina ...).
POSSESSIONS: tuple[tuple[str, str], ...] = (
    ("kitabu", "a book"), ("kalamu", "a pen"), ("simu", "a phone"), ("gari", "a car"), ("mbwa", "a dog"),
    ("paka", "a cat"), ("rafiki", "a friend"), ("kikombe", "a cup"), ("kisu", "a knife"), ("kiti", "a chair"),
    ("nyumba", "a house"), ("ng'ombe", "a cow"), ("kuku", "a chicken"), ("swali", "a question"),
)

CITIES = ("Nairobi", "Mombasa", "Dar es Salaam", "Arusha", "Kampala", "Zanzibar", "Kisumu", "Dodoma", "Kigali")

# Week from Saturday, as counted in Swahili (Jumamosi is the "first" day).
DAYS: tuple[tuple[str, str], ...] = (
    ("Jumatatu", "Monday"), ("Jumanne", "Tuesday"), ("Jumatano", "Wednesday"), ("Alhamisi", "Thursday"),
    ("Ijumaa", "Friday"), ("Jumamosi", "Saturday"), ("Jumapili", "Sunday"),
)

MONTHS = ("Januari", "Februari", "Machi", "Aprili", "Mei", "Juni", "Julai", "Agosti",
          "Septemba", "Oktoba", "Novemba", "Desemba")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")

PROFESSIONS: tuple[tuple[str, str], ...] = (
    ("mwalimu", "a teacher"), ("daktari", "a doctor"), ("mwanafunzi", "a student"),
    ("mkulima", "a farmer"), ("mpishi", "a cook"), ("dereva", "a driver"),
)

# Counted lists whose agreement is fixed here: wanyama watatu, matunda matatu, rangi tatu.
LISTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Taja wanyama watatu.", "three animals", ("simba", "tembo", "twiga", "ng'ombe", "mbwa", "paka", "kuku")),
    ("Taja matunda matatu.", "three fruits", ("embe", "ndizi", "chungwa", "nanasi", "papai")),
    ("Taja rangi tatu.", "three colours", ("nyekundu", "nyeusi", "nyeupe", "kijani", "njano", "bluu")),
)

# (question, answer) simple facts, both in Swahili
FACTS: tuple[tuple[str, str], ...] = (
    ("Wiki ina siku ngapi?", "Wiki ina siku saba."),
    ("Mwaka una miezi mingapi?", "Mwaka una miezi kumi na miwili."),
    ("Siku moja ina saa ngapi?", "Siku moja ina saa ishirini na nne."),
    ("Saa moja ina dakika ngapi?", "Saa moja ina dakika sitini."),
    ("Mlima mrefu zaidi barani Afrika ni upi?", "Mlima mrefu zaidi barani Afrika ni Kilimanjaro."),
    ("Ziwa kubwa zaidi barani Afrika ni lipi?", "Ziwa kubwa zaidi barani Afrika ni Ziwa Viktoria."),
    ("Lugha rasmi za Kenya ni zipi?", "Lugha rasmi za Kenya ni Kiswahili na Kiingereza."),
    ("Kiswahili kinazungumzwa wapi?", "Kiswahili kinazungumzwa hasa Afrika Mashariki, kama Kenya, Tanzania na Uganda."),
    ("Jua huchomoza upande gani?", "Jua huchomoza upande wa mashariki."),
    ("Rangi za bendera ya Kenya ni zipi?", "Rangi za bendera ya Kenya ni nyeusi, nyekundu, kijani na nyeupe."),
    ("Taja siku za wiki.", "Siku za wiki ni Jumatatu, Jumanne, Jumatano, Alhamisi, Ijumaa, Jumamosi na Jumapili."),
    ("Taja miezi ya mwaka.", "Miezi ya mwaka ni " + ", ".join(MONTHS[:-1]) + " na " + MONTHS[-1] + "."),
)

# (country in Swahili, capital)
CAPITALS: tuple[tuple[str, str], ...] = (
    ("Kenya", "Nairobi"), ("Tanzania", "Dodoma"), ("Uganda", "Kampala"), ("Rwanda", "Kigali"),
    ("Ethiopia", "Addis Ababa"), ("Misri", "Kairo"), ("Ufaransa", "Paris"), ("Ujerumani", "Berlin"),
    ("Japani", "Tokyo"), ("Nigeria", "Abuja"), ("Ghana", "Accra"), ("Uingereza", "London"),
)

ORDINALS = ("wa kwanza", "wa pili", "wa tatu", "wa nne", "wa tano", "wa sita", "wa saba", "wa nane",
            "wa tisa", "wa kumi", "wa kumi na moja", "wa kumi na mbili")

_ONES = ("", "moja", "mbili", "tatu", "nne", "tano", "sita", "saba", "nane", "tisa")
_TENS = ("", "kumi", "ishirini", "thelathini", "arobaini", "hamsini", "sitini", "sabini", "themanini", "tisini")


def number_words(n: int) -> str:
    """A number from 0 to 999 in Swahili words (e.g. 345 -> "mia tatu arobaini na tano")."""
    if not 0 <= n <= 999:
        raise ValueError(f"number_words covers 0..999, got {n}")
    if n == 0:
        return "sifuri"
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    below = ""
    if tens and ones:
        below = f"{_TENS[tens]} na {_ONES[ones]}"
    elif tens:
        below = _TENS[tens]
    elif ones:
        below = _ONES[ones]
    if not hundreds:
        return below
    head = f"mia {_ONES[hundreds]}"
    if not below:
        return head
    # "mia tatu na tano" (305), "mia moja na kumi" (110), but "mia tatu arobaini na tano" (345):
    # "na" appears once, before the last part.
    return f"{head} {below}" if tens and ones else f"{head} na {below}"
