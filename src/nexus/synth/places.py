"""Places, numbering plans and institutions the synthetic world draws from."""

# city, country, postcode, street-name language
CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("Brussels", "be", "1000", "fr"),
    ("Antwerp", "be", "2000", "nl"),
    ("Liège", "be", "4000", "fr"),
    ("Amsterdam", "nl", "1012", "nl"),
    ("Rotterdam", "nl", "3011", "nl"),
    ("Berlin", "de", "10115", "de"),
    ("Hamburg", "de", "20095", "de"),
    ("Vienna", "at", "1010", "de"),
    ("Paris", "fr", "75011", "fr"),
    ("Marseille", "fr", "13001", "fr"),
    ("London", "gb", "E1 6AN", "en"),
    ("Birmingham", "gb", "B1 1AA", "en"),
)

STREETS: dict[str, tuple[str, ...]] = {
    "nl": ("Stationsstraat", "Kerkstraat", "Dorpsstraat", "Molenweg", "Havenstraat", "Schoolstraat",
           "Nieuwstraat", "Lindelaan", "Kanaalweg", "Marktplein"),
    "de": ("Bahnhofstraße", "Hauptstraße", "Kirchgasse", "Gartenweg", "Schulstraße", "Lindenallee",
           "Hafenstraße", "Marktplatz", "Bergstraße", "Mühlenweg"),
    "fr": ("Rue de la Gare", "Rue de l'Église", "Avenue de la République", "Rue du Marché",
           "Boulevard Victor Hugo", "Rue des Écoles", "Rue du Port", "Place de la Liberté",
           "Rue des Tanneurs", "Chaussée de Gand"),
    "en": ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Harbour Street",
           "Queen Street", "Market Square", "Victoria Road", "Canal Street"),
}

# One backpackers' hostel and one company-formation agent: addresses shared by hundreds.
HOSTEL = ("Hostel Europa, Stationsstraat 1", "Antwerp", "2000", "be")
FORMATION_AGENT = ("Suite 4, International House, 12 Market Square", "London", "E1 6AN", "gb")

# Mobile numbering: prefix (E.164) and how many random digits follow; every number is valid.
PHONE_PLANS: dict[str, tuple[str, int]] = {
    "gb": ("+4478", 8), "be": ("+3247", 7), "nl": ("+3161", 7), "de": ("+49151", 8), "at": ("+43664", 7),
    "fr": ("+3361", 7), "se": ("+4670", 7), "ch": ("+4179", 7), "it": ("+39320", 7), "es": ("+346", 8),
    "sy": ("+96393", 7), "iq": ("+96477", 8), "eg": ("+2010", 8), "ma": ("+21266", 7), "dz": ("+21355", 7),
    "tn": ("+2162", 7), "lb": ("+96171", 6), "jo": ("+96279", 7), "sa": ("+96650", 7), "ru": ("+7916", 7),
    "ua": ("+38067", 7), "kz": ("+7701", 7), "uz": ("+99890", 7), "tj": ("+99290", 7), "kg": ("+996555", 6),
    "tr": ("+90532", 7), "rs": ("+38160", 7), "ba": ("+38761", 6), "xk": ("+38344", 6), "al": ("+35569", 7),
    "sn": ("+22177", 7), "ml": ("+2237", 7), "ng": ("+234803", 7), "gh": ("+23324", 7), "ci": ("+22507", 8),
    "pk": ("+92300", 7), "in": ("+9198", 8), "bd": ("+88017", 8), "af": ("+9370", 7),
}

MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "gmx.net", "mail.ru", "yandex.ru",
                "hotmail.fr", "web.de", "icloud.com")

# bank name, IBAN country, fixed start of the BBAN (bank code), random digits after it
BANKS: tuple[tuple[str, str, str, int], ...] = (
    ("KBC Bank", "BE", "734", 9), ("BNP Paribas Fortis", "BE", "001", 9), ("ING Bank", "NL", "INGB", 10),
    ("ABN AMRO", "NL", "ABNA", 10), ("Deutsche Bank", "DE", "10070000", 10), ("Commerzbank", "DE", "20040000", 10),
    ("Erste Bank", "AT", "20111", 11), ("Barclays", "GB", "BARC", 14), ("Ziraat Bankası", "TR", "000100", 16),
    ("Raiffeisen Bank", "RS", "265", 15),
)

# prison, country, roster code; each has blocks A-D with cells 1-60
PRISONS: tuple[tuple[str, str, str], ...] = (
    ("Haren Prison", "be", "HAR"), ("Saint-Gilles Prison", "be", "STG"), ("PI Vught", "nl", "VUG"),
    ("JVA Tegel", "de", "TEG"), ("JA Wien-Josefstadt", "at", "WJO"), ("Fleury-Mérogis", "fr", "FLM"),
    ("HMP Belmarsh", "gb", "BEL"),
)
PRISON_BLOCKS = ("A", "B", "C", "D")
CELLS_PER_BLOCK = 60

AIRPORTS = ("BRU", "CRL", "AMS", "FRA", "BER", "VIE", "CDG", "ORY", "LHR", "IST", "SAW", "DXB", "DOH",
            "CAI", "AMM", "BEY", "TUN", "CMN", "DKR", "BKO", "LOS", "ACC", "TAS", "DYU", "ISB", "KHI",
            "DEL", "SVO", "BEG", "SJJ", "PRN", "TIA")
AIRLINES = ("SN", "KL", "LH", "OS", "AF", "BA", "TK", "PC", "EK", "QR", "MS", "RJ", "AT", "HY", "JU")

COMPANY_WORDS = ("Global", "Euro", "Atlas", "Orient", "Nova", "Crescent", "Balkan", "Silk Road", "Delta",
                 "Phoenix", "Horizon", "Star", "Alpine", "Meridian", "Golden", "Northern", "Baltic",
                 "Sahara", "Anatolia", "Danube", "Levant", "Sunrise", "Prime", "United", "Royal")
COMPANY_TRADES = ("Trading", "Logistics", "Import Export", "Construction", "Car Rental", "Money Transfer",
                  "Travel", "Shipping", "Consulting", "Food", "Textiles", "Security", "Cleaning",
                  "Real Estate", "Telecom", "Motors", "Holdings", "Investments", "Freight", "Cargo")
# jurisdiction and its legal forms
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "be": ("BV", "NV", "SRL"), "nl": ("B.V.", "N.V."), "de": ("GmbH", "UG"), "at": ("GmbH",),
    "fr": ("SARL", "SAS"), "gb": ("Ltd", "LLP"), "ae": ("FZE", "LLC"), "cy": ("Ltd",), "tr": ("Ltd. Şti.", "A.Ş."),
    "rs": ("d.o.o.",),
}

SEIZED_GOODS: tuple[tuple[str, str], ...] = (
    ("cocaine", "kg"), ("heroin", "kg"), ("cannabis resin", "kg"), ("captagon tablets", "units"),
    ("cigarettes", "cartons"), ("undeclared cash", "EUR"), ("firearms", "units"), ("ammunition", "rounds"),
    ("counterfeit documents", "units"), ("precursor chemicals", "litres"),
)
PORTS = ("Antwerp port", "Rotterdam port", "Brussels airport", "Zeebrugge port", "Hamburg port",
         "Liège airport", "Schiphol airport", "Le Havre port")
