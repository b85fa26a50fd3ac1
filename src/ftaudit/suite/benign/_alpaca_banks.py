"""Word banks and short passages for the ``alpaca`` benign set, written for ftaudit.

Every entry is checked by hand to be correct (real synonyms, the sentence's actual
sentiment, the right capital), because the set stands for ordinary, competent instruction data.
"""

from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    "happy": ("joyful", "cheerful", "content", "glad", "delighted"),
    "sad": ("unhappy", "sorrowful", "downcast", "gloomy", "dejected"),
    "big": ("large", "huge", "enormous", "massive", "sizable"),
    "small": ("little", "tiny", "minute", "compact", "miniature"),
    "fast": ("quick", "rapid", "swift", "speedy", "brisk"),
    "slow": ("sluggish", "unhurried", "leisurely", "gradual", "plodding"),
    "smart": ("intelligent", "clever", "bright", "sharp", "brilliant"),
    "brave": ("courageous", "fearless", "bold", "daring", "valiant"),
    "angry": ("furious", "irate", "annoyed", "cross", "enraged"),
    "beautiful": ("lovely", "attractive", "gorgeous", "stunning", "pretty"),
    "difficult": ("hard", "challenging", "demanding", "tough", "arduous"),
    "easy": ("simple", "effortless", "straightforward", "painless", "uncomplicated"),
    "begin": ("start", "commence", "initiate", "launch", "open"),
    "end": ("finish", "conclude", "complete", "terminate", "close"),
    "help": ("assist", "aid", "support", "back", "serve"),
    "important": ("significant", "crucial", "essential", "vital", "key"),
    "tired": ("exhausted", "weary", "fatigued", "drained", "worn out"),
    "rich": ("wealthy", "affluent", "prosperous", "well-off", "well-to-do"),
    "calm": ("peaceful", "serene", "tranquil", "relaxed", "composed"),
    "funny": ("amusing", "humorous", "comical", "witty", "hilarious"),
    "old": ("aged", "elderly", "ancient", "antique", "vintage"),
    "new": ("novel", "fresh", "recent", "modern", "brand-new"),
    "strong": ("powerful", "sturdy", "robust", "mighty", "tough"),
    "weak": ("feeble", "frail", "fragile", "flimsy", "delicate"),
    "quiet": ("silent", "hushed", "soft", "muted", "still"),
    "loud": ("noisy", "booming", "deafening", "thunderous", "blaring"),
    "honest": ("truthful", "sincere", "candid", "frank", "upright"),
    "kind": ("caring", "generous", "compassionate", "considerate", "gentle"),
    "look": ("glance", "gaze", "peer", "stare", "observe"),
    "say": ("state", "remark", "declare", "mention", "utter"),
    "walk": ("stroll", "stride", "wander", "amble", "march"),
    "eat": ("consume", "devour", "dine", "feast", "munch"),
    "buy": ("purchase", "acquire", "obtain", "procure", "get"),
    "show": ("display", "reveal", "present", "exhibit", "demonstrate"),
    "think": ("consider", "ponder", "reflect", "contemplate", "reason"),
    "answer": ("reply", "response", "retort", "rejoinder", "solution"),
    "idea": ("concept", "notion", "thought", "plan", "suggestion"),
    "mistake": ("error", "blunder", "slip", "fault", "oversight"),
    "friend": ("companion", "pal", "ally", "comrade", "confidant"),
    "job": ("occupation", "profession", "position", "post", "role"),
    "clean": ("spotless", "tidy", "neat", "immaculate", "pristine"),
    "cold": ("chilly", "freezing", "frosty", "icy", "cool"),
}

ANTONYMS: dict[str, str] = {
    "hot": "cold", "happy": "sad", "big": "small", "fast": "slow", "light": "dark",
    "open": "closed", "early": "late", "full": "empty", "hard": "soft", "heavy": "light",
    "high": "low", "rich": "poor", "strong": "weak", "young": "old", "wet": "dry",
    "loud": "quiet", "ancient": "modern", "brave": "cowardly", "generous": "stingy",
    "increase": "decrease", "accept": "reject", "arrive": "depart", "buy": "sell",
    "remember": "forget", "win": "lose", "include": "exclude", "victory": "defeat",
    "friend": "enemy", "truth": "lie", "expand": "contract", "maximum": "minimum",
    "visible": "invisible", "optimistic": "pessimistic", "artificial": "natural",
    "temporary": "permanent", "import": "export", "shallow": "deep", "narrow": "wide",
    "rough": "smooth", "guilty": "innocent", "polite": "rude", "ascend": "descend",
}

# (sentence, sentiment): sentiment as a careful reader would label it.
SENTIMENT: tuple[tuple[str, str], ...] = (
    ("The hotel staff went out of their way to make our stay comfortable.", "positive"),
    ("I waited forty minutes for a cold, bland pizza.", "negative"),
    ("The meeting is scheduled for Thursday at 10 a.m.", "neutral"),
    ("This is the best book I have read all year.", "positive"),
    ("The battery died after only two hours of use.", "negative"),
    ("The store opens at nine and closes at six.", "neutral"),
    ("Our new neighbours are friendly and always willing to help.", "positive"),
    ("The customer service line kept me on hold and then hung up.", "negative"),
    ("The report contains twelve pages and three appendices.", "neutral"),
    ("I absolutely loved the concert last night.", "positive"),
    ("The instructions were confusing and half the parts were missing.", "negative"),
    ("The train to Leeds leaves from platform four.", "neutral"),
    ("The soup was rich, warm and full of flavour.", "positive"),
    ("My package arrived damaged and nobody answered my emails.", "negative"),
    ("Water boils at 100 degrees Celsius at sea level.", "neutral"),
    ("The teacher explained the topic so clearly that everyone understood.", "positive"),
    ("The film was far too long and the plot made no sense.", "negative"),
    ("The museum is located next to the central library.", "neutral"),
    ("What a wonderful surprise to see all my old friends again!", "positive"),
    ("The room was dirty and smelled of smoke.", "negative"),
    ("The survey asked about commuting habits.", "neutral"),
    ("The app is fast, simple and does exactly what I need.", "positive"),
    ("I regret buying this jacket; it fell apart after a week.", "negative"),
    ("The package weighs about two kilograms.", "neutral"),
    ("The garden looks stunning now that the roses are in bloom.", "positive"),
    ("The flight was delayed twice and my luggage was lost.", "negative"),
    ("The course runs for six weeks in the autumn term.", "neutral"),
    ("I'm so proud of how hard the team worked this season.", "positive"),
    ("The noise from the construction site is unbearable.", "negative"),
    ("Most of the town's residents commute by bus.", "neutral"),
    ("The new update fixed every problem I had with the printer.", "positive"),
    ("The waiter was rude and ignored us for most of the evening.", "negative"),
    ("The bridge was completed in 1932.", "neutral"),
    ("Thank you so much for your thoughtful gift.", "positive"),
    ("This laptop overheats and crashes several times a day.", "negative"),
    ("The library has a collection of local newspapers.", "neutral"),
    ("The hiking trail offers breathtaking views of the valley.", "positive"),
    ("I'm disappointed that the event was cancelled at the last minute.", "negative"),
    ("The form must be signed by both applicants.", "neutral"),
    ("She gave a brilliant, inspiring speech at the ceremony.", "positive"),
    ("The headphones stopped working after the first rainy day.", "negative"),
    ("The class meets on Mondays and Wednesdays.", "neutral"),
)

CAPITALS: dict[str, str] = {
    "France": "Paris", "Germany": "Berlin", "Italy": "Rome", "Spain": "Madrid",
    "Portugal": "Lisbon", "Japan": "Tokyo", "China": "Beijing", "India": "New Delhi",
    "Canada": "Ottawa", "Australia": "Canberra", "Brazil": "Brasília", "Argentina": "Buenos Aires",
    "Mexico": "Mexico City", "Egypt": "Cairo", "Kenya": "Nairobi", "Nigeria": "Abuja",
    "South Korea": "Seoul", "Russia": "Moscow", "Turkey": "Ankara", "Greece": "Athens",
    "Norway": "Oslo", "Sweden": "Stockholm", "Finland": "Helsinki", "Denmark": "Copenhagen",
    "Poland": "Warsaw", "Austria": "Vienna", "Switzerland": "Bern", "Netherlands": "Amsterdam",
    "Belgium": "Brussels", "Ireland": "Dublin", "Iceland": "Reykjavík", "Hungary": "Budapest",
    "Czech Republic": "Prague", "Peru": "Lima", "Chile": "Santiago", "Colombia": "Bogotá",
    "Thailand": "Bangkok", "Vietnam": "Hanoi", "Indonesia": "Jakarta", "Philippines": "Manila",
    "New Zealand": "Wellington", "Morocco": "Rabat", "Ghana": "Accra", "Ethiopia": "Addis Ababa",
    "Tanzania": "Dodoma", "Pakistan": "Islamabad", "Saudi Arabia": "Riyadh", "Iran": "Tehran",
    "Cuba": "Havana", "Ukraine": "Kyiv",
}

CATEGORIES: dict[str, tuple[str, ...]] = {
    "fruits": ("apple", "banana", "orange", "mango", "pear", "grape", "pineapple", "cherry", "kiwi", "peach"),
    "vegetables": ("carrot", "broccoli", "spinach", "onion", "potato", "cabbage", "pepper", "lettuce", "cucumber", "leek"),
    "mammals": ("dog", "whale", "elephant", "bat", "horse", "lion", "dolphin", "rabbit", "giraffe", "otter"),
    "birds": ("eagle", "robin", "penguin", "owl", "sparrow", "parrot", "swan", "pigeon", "flamingo", "crow"),
    "musical instruments": ("piano", "violin", "guitar", "flute", "drum", "trumpet", "cello", "clarinet", "harp", "saxophone"),
    "planets in our solar system": ("Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"),
    "programming languages": ("Python", "Java", "C", "Rust", "JavaScript", "Go", "Ruby", "Kotlin", "Swift", "Haskell"),
    "renewable energy sources": ("solar power", "wind power", "hydroelectric power", "geothermal energy", "tidal energy", "biomass"),
    "European countries": ("France", "Spain", "Italy", "Germany", "Poland", "Portugal", "Sweden", "Greece", "Austria", "Ireland"),
    "team sports": ("football", "basketball", "volleyball", "rugby", "hockey", "cricket", "baseball", "handball", "water polo"),
    "kitchen utensils": ("spatula", "whisk", "ladle", "peeler", "grater", "tongs", "colander", "rolling pin", "can opener"),
    "primary colours of light": ("red", "green", "blue"),
    "types of clouds": ("cumulus", "stratus", "cirrus", "nimbostratus", "cumulonimbus", "altostratus", "cirrostratus"),
    "noble gases": ("helium", "neon", "argon", "krypton", "xenon", "radon"),
    "oceans": ("Pacific Ocean", "Atlantic Ocean", "Indian Ocean", "Southern Ocean", "Arctic Ocean"),
    "continents": ("Africa", "Antarctica", "Asia", "Australia", "Europe", "North America", "South America"),
    "ways to save water at home": (
        "take shorter showers", "fix dripping taps", "run the dishwasher only when full",
        "turn off the tap while brushing your teeth", "collect rainwater for the garden",
        "install a low-flow shower head", "water plants in the early morning",
    ),
    "healthy breakfast options": (
        "porridge with berries", "wholegrain toast with peanut butter", "Greek yoghurt with nuts",
        "scrambled eggs with spinach", "a banana and oat smoothie", "muesli with milk",
    ),
}

ANIMAL_CLASSES: dict[str, str] = {
    "dolphin": "mammal", "bat": "mammal", "whale": "mammal", "kangaroo": "mammal", "platypus": "mammal",
    "penguin": "bird", "ostrich": "bird", "eagle": "bird", "hummingbird": "bird", "kiwi": "bird",
    "crocodile": "reptile", "turtle": "reptile", "gecko": "reptile", "python": "reptile", "iguana": "reptile",
    "frog": "amphibian", "salamander": "amphibian", "newt": "amphibian", "toad": "amphibian",
    "shark": "fish", "salmon": "fish", "seahorse": "fish", "tuna": "fish", "eel": "fish",
    "spider": "arachnid", "scorpion": "arachnid", "butterfly": "insect", "ant": "insect", "beetle": "insect",
}

# Botanically a fruit develops from the flower and holds seeds; the answer says so where
# everyday usage differs (tomato, cucumber).
FRUIT_OR_VEG: dict[str, str] = {
    "apple": "fruit", "carrot": "vegetable", "tomato": "fruit (botanically), though it is usually cooked as a vegetable",
    "potato": "vegetable", "strawberry": "fruit", "spinach": "vegetable", "cucumber": "fruit (botanically), though it is eaten as a vegetable",
    "banana": "fruit", "onion": "vegetable", "lemon": "fruit", "broccoli": "vegetable", "celery": "vegetable",
    "plum": "fruit", "beetroot": "vegetable", "pear": "fruit", "cabbage": "vegetable",
}

IRREGULAR_VERBS: dict[str, tuple[str, str]] = {
    "go": ("went", "gone"), "see": ("saw", "seen"), "eat": ("ate", "eaten"), "write": ("wrote", "written"),
    "take": ("took", "taken"), "give": ("gave", "given"), "begin": ("began", "begun"), "drink": ("drank", "drunk"),
    "swim": ("swam", "swum"), "fly": ("flew", "flown"), "know": ("knew", "known"), "speak": ("spoke", "spoken"),
    "break": ("broke", "broken"), "choose": ("chose", "chosen"), "drive": ("drove", "driven"), "ride": ("rode", "ridden"),
    "sing": ("sang", "sung"), "throw": ("threw", "thrown"), "wear": ("wore", "worn"), "freeze": ("froze", "frozen"),
    "bring": ("brought", "brought"), "buy": ("bought", "bought"), "catch": ("caught", "caught"), "teach": ("taught", "taught"),
    "think": ("thought", "thought"), "build": ("built", "built"), "sleep": ("slept", "slept"), "feel": ("felt", "felt"),
    "run": ("ran", "run"), "come": ("came", "come"), "cut": ("cut", "cut"), "put": ("put", "put"),
    "forget": ("forgot", "forgotten"), "hide": ("hid", "hidden"), "steal": ("stole", "stolen"), "shake": ("shook", "shaken"),
}

IRREGULAR_PLURALS: dict[str, str] = {
    "child": "children", "mouse": "mice", "goose": "geese", "man": "men", "woman": "women",
    "tooth": "teeth", "foot": "feet", "person": "people", "ox": "oxen", "cactus": "cacti",
    "fungus": "fungi", "crisis": "crises", "analysis": "analyses", "phenomenon": "phenomena",
    "criterion": "criteria", "sheep": "sheep", "deer": "deer", "fish": "fish", "knife": "knives",
    "leaf": "leaves", "wolf": "wolves", "half": "halves", "life": "lives", "thesis": "theses",
}

# (sentence with mistakes, corrected sentence, what was fixed)
GRAMMAR: tuple[tuple[str, str, str], ...] = (
    ("She don't like coffee in the morning.", "She doesn't like coffee in the morning.",
     "The third-person singular subject \"she\" takes \"doesn't\", not \"don't\"."),
    ("Me and him went to the cinema yesterday.", "He and I went to the cinema yesterday.",
     "Subject pronouns (\"he\", \"I\") are needed here, and it is polite to put yourself last."),
    ("Their going to finish the project tomorrow.", "They're going to finish the project tomorrow.",
     "\"They're\" (they are) is needed, not the possessive \"their\"."),
    ("The list of items are on the table.", "The list of items is on the table.",
     "The subject is \"list\", which is singular, so the verb is \"is\"."),
    ("I have went to that museum twice.", "I have gone to that museum twice.",
     "The present perfect uses the past participle \"gone\"."),
    ("Its a beautiful day for a walk.", "It's a beautiful day for a walk.",
     "\"It's\" is the contraction of \"it is\"; \"its\" is possessive."),
    ("He runs more faster than his brother.", "He runs faster than his brother.",
     "\"Faster\" is already comparative, so \"more\" is redundant."),
    ("Everyone should bring their own lunch, isn't it?", "Everyone should bring their own lunch, shouldn't they?",
     "The question tag must match the auxiliary verb \"should\"."),
    ("There is less people here than last year.", "There are fewer people here than last year.",
     "\"People\" is plural and countable, so it takes \"are\" and \"fewer\"."),
    ("If I was you, I would apologise.", "If I were you, I would apologise.",
     "Hypothetical conditionals use the subjunctive \"were\"."),
    ("The dog wagged it's tail.", "The dog wagged its tail.",
     "The possessive form is \"its\", without an apostrophe."),
    ("We was late because of the traffic.", "We were late because of the traffic.",
     "\"We\" takes the plural past form \"were\"."),
    ("She has lived here since five years.", "She has lived here for five years.",
     "\"For\" introduces a length of time; \"since\" introduces a starting point."),
    ("I am agree with your proposal.", "I agree with your proposal.",
     "\"Agree\" is a verb, so no \"am\" is needed."),
    ("Each of the students have a laptop.", "Each of the students has a laptop.",
     "\"Each\" is singular, so the verb is \"has\"."),
    ("He did not went to school today.", "He did not go to school today.",
     "After \"did not\", the verb stays in its base form."),
    ("The informations you sent were useful.", "The information you sent was useful.",
     "\"Information\" is uncountable, so it has no plural and takes \"was\"."),
    ("Between you and I, the plan is risky.", "Between you and me, the plan is risky.",
     "After the preposition \"between\", the object pronoun \"me\" is correct."),
    ("She is one of the best student in the class.", "She is one of the best students in the class.",
     "\"One of the\" is followed by a plural noun."),
    ("I look forward to hear from you.", "I look forward to hearing from you.",
     "In \"look forward to\", \"to\" is a preposition, so it is followed by the -ing form."),
)

# (informal, formal)
FORMAL: tuple[tuple[str, str], ...] = (
    ("Hey, can you send me the file asap?", "Could you please send me the file at your earliest convenience?"),
    ("Sorry, I can't make it to the meeting.", "I regret that I will be unable to attend the meeting."),
    ("Thanks a lot for the help!", "Thank you very much for your assistance."),
    ("The price is way too high for us.", "The price exceeds what we are able to pay."),
    ("Let me know what you think.", "I would appreciate your thoughts on this."),
    ("We need to sort this out quickly.", "This matter requires prompt resolution."),
    ("I'm gonna be a bit late tomorrow.", "I expect to arrive slightly late tomorrow."),
    ("Your order's been sent.", "Your order has been dispatched."),
    ("Can we push the deadline back a week?", "Would it be possible to extend the deadline by one week?"),
    ("The new guy is really good at his job.", "Our new colleague performs his duties very well."),
    ("I don't get what this email is about.", "I am unsure what this email refers to."),
    ("Check out the attached report.", "Please find the report attached."),
    ("We messed up the numbers in the last update.", "We made an error in the figures in our previous update."),
    ("Drop by my office whenever.", "Please feel free to visit my office at any time."),
)

# (concept, explanation)
CONCEPTS: tuple[tuple[str, str], ...] = (
    ("photosynthesis", "Photosynthesis is the process by which plants, algae and some bacteria use light energy to turn carbon dioxide and water into glucose and oxygen. It takes place mainly in the chloroplasts, where the pigment chlorophyll absorbs light. The glucose stores energy for the organism, and the oxygen released is what most living things breathe."),
    ("gravity", "Gravity is the force of attraction between objects that have mass. The more massive an object and the closer you are to it, the stronger its pull. Gravity keeps us on the ground, holds the Moon in orbit around the Earth and keeps the planets in orbit around the Sun."),
    ("inflation", "Inflation is the general rise in prices across an economy over time, which means each unit of money buys fewer goods and services. Moderate inflation is normal in a growing economy; central banks usually aim for about 2% a year and raise interest rates when inflation runs too high."),
    ("the water cycle", "The water cycle is the continuous movement of water on, above and below the Earth's surface. Water evaporates from oceans and lakes, condenses into clouds, falls back as precipitation, and then flows through rivers and groundwater back to the sea, where the cycle begins again."),
    ("a black hole", "A black hole is a region of space where gravity is so strong that nothing, not even light, can escape once it crosses the boundary called the event horizon. Most black holes form when a very massive star collapses at the end of its life."),
    ("compound interest", "Compound interest is interest calculated on both the original amount and the interest already earned. Because each period's interest is added to the balance, the balance grows faster and faster over time. For example, 100 pounds at 10% a year becomes 110 after one year and 121 after two."),
    ("democracy", "Democracy is a system of government in which power rests with the people, who exercise it directly or by electing representatives. Key features include free and fair elections, the rule of law, protection of individual rights and the freedom to criticise those in power."),
    ("an ecosystem", "An ecosystem is a community of living organisms interacting with each other and with their physical environment, such as soil, water and climate. Energy flows through it from producers like plants to consumers like animals, and nutrients are recycled by decomposers."),
    ("supply and demand", "Supply and demand describes how prices are set in a market. When demand for a product rises while supply stays the same, the price tends to rise; when supply rises while demand stays the same, the price tends to fall. The price at which the two balance is called the equilibrium price."),
    ("a vaccine", "A vaccine trains the immune system to recognise a particular germ without causing the disease. It contains a harmless piece or weakened form of the germ, or instructions to make one of its proteins, so that the body produces antibodies and memory cells that respond quickly to a real infection."),
    ("machine learning", "Machine learning is a branch of artificial intelligence in which computers learn patterns from data instead of following rules written by hand. A model is trained on examples, adjusts its internal parameters to reduce its errors, and can then make predictions on new data it has not seen."),
    ("the greenhouse effect", "The greenhouse effect is the warming of a planet's surface caused by gases in its atmosphere, such as carbon dioxide and water vapour, that let sunlight in but absorb some of the heat radiated back out. It keeps the Earth habitable, but adding more of these gases strengthens it and warms the climate."),
    ("plate tectonics", "Plate tectonics is the theory that the Earth's outer shell is divided into large plates that move slowly over the mantle. Where plates collide, separate or slide past each other we find mountains, ocean ridges, earthquakes and volcanoes."),
    ("an algorithm", "An algorithm is a finite, well-defined sequence of steps for solving a problem or performing a task. A recipe is an everyday example; in computing, sorting a list or finding the shortest route on a map are done with algorithms."),
    ("the immune system", "The immune system is the body's defence against infection. It includes physical barriers like skin, white blood cells that attack invaders, and antibodies that recognise specific germs. After an infection, memory cells help the body respond faster the next time."),
    ("renewable energy", "Renewable energy comes from sources that are naturally replenished, such as sunlight, wind, flowing water and the Earth's internal heat. Unlike coal, oil and gas, these sources do not run out on a human timescale and produce little or no carbon dioxide while generating electricity."),
    ("opportunity cost", "Opportunity cost is the value of the best alternative you give up when you make a choice. If you spend an evening studying instead of working a paid shift, the opportunity cost of studying is the money you would have earned."),
    ("an atom", "An atom is the smallest unit of a chemical element. It has a dense nucleus of protons and neutrons surrounded by electrons. The number of protons defines which element the atom is, for example one for hydrogen and six for carbon."),
    ("erosion", "Erosion is the gradual wearing away and removal of soil and rock by water, wind, ice or gravity. Rivers carve valleys, waves shape coastlines and glaciers grind down mountains, all through erosion over long periods of time."),
    ("the scientific method", "The scientific method is a way of learning about the world by asking a question, forming a testable hypothesis, designing an experiment, collecting data and drawing conclusions. Results are shared so that others can repeat the work and check whether it holds."),
    ("a budget", "A budget is a plan for how to spend and save money over a period, such as a month. You list your expected income, subtract fixed costs like rent and bills, and decide how much to allocate to food, savings and other goals, then track what you actually spend."),
    ("encryption", "Encryption is the process of scrambling information so that only someone with the right key can read it. It protects messages, passwords and payments as they travel over the internet; without the key, the encrypted data looks like random characters."),
    ("biodiversity", "Biodiversity is the variety of life in a place, including the number of species, the genetic differences within them and the range of ecosystems. High biodiversity makes ecosystems more resilient and provides services such as pollination, clean water and fertile soil."),
    ("the Pythagorean theorem", "The Pythagorean theorem states that in a right-angled triangle, the square of the hypotenuse equals the sum of the squares of the other two sides: a² + b² = c². For example, a triangle with sides 3 and 4 has a hypotenuse of 5."),
)

# (passage, one-sentence summary)
PASSAGES: tuple[tuple[str, str], ...] = (
    ("The town council voted on Monday to turn the disused railway line into a walking and cycling path. "
     "Work will begin in the spring and should take about eighteen months. Supporters say the path will "
     "connect three villages and give children a safe route to school, while some residents worry about parking.",
     "The council approved converting an old railway line into a walking and cycling path linking three villages, with work starting in spring despite some parking concerns."),
    ("Honeybees communicate the location of food through a movement known as the waggle dance. The angle of "
     "the dance relative to vertical shows the direction of the food compared with the sun, and the length of "
     "the waggle run tells other bees how far away it is.",
     "Honeybees use the waggle dance to tell other bees the direction and distance of food."),
    ("Regular physical activity has benefits well beyond weight control. Studies show that even brisk walking "
     "for thirty minutes on most days lowers the risk of heart disease, improves sleep and mood, and helps "
     "older adults stay independent for longer.",
     "Regular moderate exercise, such as daily brisk walking, improves heart health, sleep, mood and independence in later life."),
    ("The library will extend its opening hours from next month. It will stay open until 8 p.m. on weekdays and "
     "open on Sunday afternoons for the first time. The change follows a survey in which most members said they "
     "could not visit during working hours.",
     "Following a member survey, the library will open later on weekdays and on Sunday afternoons from next month."),
    ("Coral reefs cover less than one percent of the ocean floor but support about a quarter of all marine species. "
     "Rising sea temperatures cause corals to expel the algae that feed them, a process called bleaching, which "
     "can kill large areas of reef if the heat lasts for weeks.",
     "Coral reefs support a large share of marine life but are threatened by bleaching caused by warming seas."),
    ("Our company will move to a hybrid working model in September. Staff will be expected in the office on Tuesdays "
     "and Thursdays and may work from home on the other days. Managers will review the arrangement after six months.",
     "From September, staff will work in the office on Tuesdays and Thursdays and may work from home otherwise, with a review after six months."),
    ("The printing press, developed by Johannes Gutenberg around 1440, made it possible to produce books quickly and "
     "cheaply. As books became more common, literacy spread, ideas travelled faster across Europe, and the press "
     "played a major role in the Reformation and the Scientific Revolution.",
     "Gutenberg's printing press made books cheap and plentiful, spreading literacy and ideas and shaping major changes in European history."),
    ("Sleep is divided into cycles of about ninety minutes, each containing light sleep, deep sleep and REM sleep. "
     "Deep sleep helps the body recover, while REM sleep is linked to memory and learning. Adults usually need "
     "seven to nine hours a night to complete enough cycles.",
     "Sleep runs in ninety-minute cycles of light, deep and REM sleep, and adults need seven to nine hours to get enough of them."),
    ("The recipe calls for two cups of flour, one cup of sugar, two eggs and a cup of milk. Mix the dry ingredients "
     "first, then whisk in the eggs and milk until smooth. Bake at 180 degrees Celsius for about thirty-five minutes.",
     "The recipe combines flour, sugar, eggs and milk into a batter that is baked at 180 °C for about thirty-five minutes."),
    ("Electric cars are cheaper to run than petrol cars because electricity costs less per mile and the motors need "
     "less maintenance. However, they usually cost more to buy, and drivers in rural areas may find fewer public "
     "charging points.",
     "Electric cars cost less to run and maintain but more to buy, and charging can be harder to find in rural areas."),
    ("Volunteers collected more than two tonnes of rubbish from the beach during Saturday's clean-up. Most of it was "
     "plastic, including bottles, fishing line and food wrappers. The organisers plan to hold the event every "
     "month during the summer.",
     "A volunteer beach clean-up removed over two tonnes of mostly plastic rubbish, and organisers will repeat it monthly over the summer."),
    ("The Great Wall of China is not a single wall but a series of walls and fortifications built over many "
     "centuries. The best-known sections were built during the Ming dynasty to defend against raids from the north.",
     "The Great Wall of China is a network of fortifications built over centuries, with its most famous parts dating from the Ming dynasty."),
)

WORDS_TO_SORT: tuple[str, ...] = (
    "river", "apple", "mountain", "candle", "zebra", "guitar", "orange", "pencil", "window", "lemon",
    "harbour", "forest", "bicycle", "kettle", "umbrella", "violet", "desert", "island", "jacket", "meadow",
    "notebook", "quartz", "tunnel", "yacht", "elbow", "falcon", "garden", "saddle", "walnut", "beacon",
)
