"""Name parts of the synthetic population, by culture.

Each part is written ``"Latin|variant|variant=native"``: the first Latin form is the
canonical one, the others are transliteration or spelling variants an agency may use,
and the part after ``=`` is the name in its own script. Parts are listed from most to
least common; the population draws them Zipf-like, so the first ones (Mohammed, Ali,
Ivan, Petrov …) are shared by many different people.
"""

import re
from dataclasses import dataclass

import numpy as np
from normality import ascii_text

STRING = np.dtypes.StringDType()


@dataclass(frozen=True)
class Culture:
    name: str
    weight: float  # share of the population
    countries: tuple[str, ...]  # nationalities, most common first
    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]
    feminine_surnames: bool = False  # Petrov -> Petrova


CULTURES: tuple[Culture, ...] = (
    Culture(
        "western", 0.30, ("de", "fr", "nl", "be", "it", "es", "gb", "at", "ch", "se"),
        male=("Thomas", "Michael", "Peter", "Jan", "Lukas|Lucas", "Jean", "Pierre", "Marco", "Luca",
              "José|Jose", "Carlos", "David", "Daniel", "Martin", "Stefan|Stephan", "Johannes|Johann",
              "Francesco", "François|Francois", "Jürgen|Juergen|Jurgen", "Sébastien|Sebastien"),
        female=("Maria", "Anna", "Sophie|Sofie", "Laura", "Julia", "Marie", "Emma", "Sarah|Sara",
                "Claire", "Chiara", "Lucia", "Isabelle|Isabel", "Eva", "Hannah|Hanna", "Inès|Ines"),
        family=("Müller|Mueller|Muller", "Schmidt|Schmitt", "Martin", "Bernard", "Dubois", "Rossi",
                "Russo", "García|Garcia", "Fernández|Fernandez", "Smith", "Jones", "Jansen|Janssen",
                "de Vries|De Vries|Devries", "van Dijk|Van Dijk|Vandijk", "Meyer|Meier|Maier",
                "Lefebvre|Lefevre", "Bianchi", "Moreau", "Peeters", "Wagner"),
    ),
    Culture(
        "arab", 0.18, ("sy", "iq", "eg", "ma", "dz", "tn", "lb", "jo", "sa", "ly", "ye"),
        male=("Mohammed|Muhammad|Mohamed|Mohammad|Mohamad=محمد", "Ahmed|Ahmad|Achmed=أحمد",
              "Ali=علي", "Abdul Rahman|Abdelrahman|Abdulrahman|Abd al-Rahman|Abderrahmane=عبد الرحمن",
              "Abdullah|Abdallah|Abdellah=عبد الله", "Omar|Umar|Omer=عمر",
              "Youssef|Yousef|Yusuf|Youcef=يوسف", "Khalid|Khaled=خالد", "Hassan|Hasan=حسن",
              "Hussein|Husayn|Hussain|Houssein=حسين", "Ibrahim|Ebrahim|Brahim=إبراهيم",
              "Mustafa|Moustafa|Mostafa=مصطفى", "Mahmoud|Mahmud|Mahmood=محمود", "Karim|Kareem=كريم",
              "Tariq|Tarek|Tarik=طارق", "Walid|Waleed=وليد", "Samir|Sameer=سمير", "Bilal=بلال",
              "Hamza|Hamzah=حمزة", "Saeed|Said|Saied=سعيد", "Jamal|Gamal=جمال",
              "Nasser|Nasir|Naser=ناصر", "Faisal|Faysal|Fayçal=فيصل",
              "Abdelaziz|Abdul Aziz|Abdulaziz=عبد العزيز", "Yassin|Yasin|Yassine=ياسين"),
        female=("Fatima|Fatma|Fatimah=فاطمة", "Aisha|Aicha|Aysha=عائشة", "Maryam|Mariam|Meryem=مريم",
                "Khadija|Khadidja|Khadijah=خديجة", "Zainab|Zaynab|Zeinab=زينب", "Nour|Noor|Nur=نور",
                "Layla|Leila|Laila=ليلى", "Amina|Aminah|Amena=أمينة", "Huda|Houda=هدى", "Salma=سلمى",
                "Rania=رانيا", "Samira|Sameera=سميرة", "Yasmin|Yasmine|Jasmin=ياسمين", "Hanan=حنان"),
        family=("Ali=علي", "Hassan|Hasan=حسن", "Ahmed|Ahmad=أحمد", "al-Masri|el-Masri|Almasri|Al Masri=المصري",
                "al-Baghdadi|el-Baghdadi|Albaghdadi=البغدادي", "al-Tikriti|el-Tikriti|Altikriti=التكريتي",
                "al-Shami|el-Shami|Alshami|Al Chami=الشامي", "Haddad|Hadad=حداد", "Khalil|Khaleel=خليل",
                "Mansour|Mansur|Mansoor=منصور", "Nasser|Naser=ناصر", "al-Amin|el-Amine|Alamin=الأمين",
                "Abdallah|Abdullah=عبد الله", "Saleh|Salih|Salah=صالح",
                "al-Hashimi|el-Hachemi|Alhashimi=الهاشمي", "Darwish|Darwiche|Derwish=درويش",
                "al-Zahrani|Alzahrani=الزهراني", "Othman|Osman|Uthman=عثمان", "Benali|Ben Ali=بن علي",
                "Bouzid|Bou Zid=بوزيد", "Kassem|Qasim|Kasim=قاسم", "Jaber|Jabir|Djaber=جابر",
                "Hamdan|Hamdane=حمدان", "al-Rashid|el-Rachid|Alrashid=الرشيد"),
    ),
    Culture(
        "russian", 0.09, ("ru", "by", "ua", "kz", "lv", "ee"),
        male=("Ivan=Иван", "Sergei|Sergey|Serguei=Сергей", "Alexander|Aleksandr|Aleksander=Александр",
              "Dmitry|Dmitri|Dmitrij=Дмитрий", "Andrei|Andrey=Андрей", "Alexei|Aleksei|Alexey=Алексей",
              "Mikhail|Michail|Mikhael=Михаил", "Nikolai|Nikolay=Николай", "Vladimir|Wladimir=Владимир",
              "Yuri|Yury|Jurij=Юрий", "Pavel=Павел", "Oleg=Олег", "Viktor|Victor=Виктор",
              "Evgeny|Yevgeny|Evgenij=Евгений", "Maxim|Maksim=Максим", "Igor=Игорь",
              "Artyom|Artem|Artiom=Артём"),
        female=("Olga=Ольга", "Natalia|Natalya|Nataliya=Наталья", "Elena|Yelena|Jelena=Елена",
                "Tatiana|Tatyana=Татьяна", "Irina=Ирина", "Svetlana=Светлана", "Anna=Анна",
                "Maria|Mariya=Мария", "Ekaterina|Yekaterina|Katerina=Екатерина", "Yulia|Julia|Yuliya=Юлия"),
        family=("Petrov|Petrow=Петров", "Ivanov|Iwanow=Иванов", "Smirnov|Smirnow=Смирнов",
                "Kuznetsov|Kuznetzov|Kusnezow=Кузнецов", "Popov=Попов", "Sokolov|Sokolow=Соколов",
                "Volkov|Wolkow=Волков", "Morozov|Morosow=Морозов", "Novikov|Nowikow=Новиков",
                "Fedorov|Fyodorov|Fjodorow=Фёдоров", "Kozlov=Козлов", "Lebedev|Lebedew=Лебедев",
                "Orlov=Орлов", "Zaitsev|Zaytsev|Saizew=Зайцев", "Pavlov|Pawlow=Павлов",
                "Semyonov|Semenov|Semjonow=Семёнов", "Egorov|Yegorov=Егоров",
                "Vasiliev|Vasilyev|Wassiljew=Васильев", "Belov=Белов", "Kovalenko=Коваленко"),
        feminine_surnames=True,
    ),
    Culture(
        "chechen", 0.04, ("ru", "at", "fr", "be", "de"),
        male=("Magomed|Magomet|Mahomed=Магомед", "Ramzan=Рамзан", "Akhmed|Ahmed|Achmed=Ахмед",
              "Ruslan=Руслан", "Aslan=Аслан", "Islam=Ислам", "Shamil|Chamil=Шамиль", "Adam=Адам",
              "Zelimkhan|Selimkhan=Зелимхан", "Umar|Oumar=Умар", "Khamzat|Hamzat=Хамзат", "Apti=Апти",
              "Dzhokhar|Jokhar|Djohar=Джохар", "Turpal=Турпал"),
        female=("Zarema=Зарема", "Kheda|Heda=Хеда", "Madina=Мадина", "Petimat|Patimat=Петимат",
                "Aminat=Аминат", "Zalina=Залина", "Liana=Лиана", "Malika=Малика"),
        family=("Magomedov=Магомедов", "Kadyrov=Кадыров", "Dudayev|Dudaev=Дудаев", "Basayev|Basaev=Басаев",
                "Umarov=Умаров", "Abdurakhmanov|Abdurahmanov=Абдурахманов", "Tsarnaev|Tsarnayev=Царнаев",
                "Daudov=Даудов", "Khasanov|Hasanov=Хасанов", "Musayev|Musaev=Мусаев",
                "Yandarbiyev|Yandarbiev=Яндарбиев", "Gakayev|Gakaev=Гакаев", "Isayev|Isaev=Исаев",
                "Alkhanov=Алханов"),
        feminine_surnames=True,
    ),
    Culture(
        "central_asian", 0.06, ("uz", "tj", "kz", "kg", "tm"),
        male=("Rustam=Рустам", "Farrukh|Farukh=Фаррух", "Bakhtiyor|Bakhtiyar|Bahtiyor=Бахтиёр",
              "Sardor|Sardar=Сардор", "Jasur|Dzhasur=Жасур", "Timur|Temur=Тимур",
              "Abdulaziz|Abdulazis=Абдулазиз", "Dilshod|Dilshad=Дилшод", "Otabek|Utabek=Отабек",
              "Nurlan=Нурлан", "Yerlan|Erlan=Ерлан", "Daniyar|Daniar=Данияр", "Firdavs=Фирдавс",
              "Sherzod|Sherzad=Шерзод", "Azamat=Азамат"),
        female=("Dilnoza|Dilnaza=Дилноза", "Gulnara=Гульнара", "Nilufar|Nilufer=Нилуфар",
                "Aigerim|Aygerim=Айгерим", "Zarina=Зарина", "Shahnoza|Shakhnoza=Шахноза", "Madina=Мадина",
                "Feruza=Феруза"),
        family=("Rakhimov|Rahimov=Рахимов", "Karimov=Каримов", "Yusupov|Jusupov=Юсупов", "Nazarov=Назаров",
                "Sultanov=Султанов", "Aliyev|Aliev=Алиев", "Ismoilov|Ismailov=Исмоилов", "Saidov=Саидов",
                "Mirzoev|Mirzoyev=Мирзоев", "Nurmatov=Нурматов", "Abdullaev|Abdullayev=Абдуллаев",
                "Kurbanov|Qurbonov=Курбанов", "Tursunov=Турсунов", "Ergashev=Эргашев"),
        feminine_surnames=True,
    ),
    Culture(
        "turkish", 0.10, ("tr", "de", "nl", "at", "cy"),
        male=("Mehmet|Mehmed", "Mustafa", "Ahmet|Ahmed", "Ali", "Hüseyin|Huseyin|Hussein", "Hasan",
              "İbrahim|Ibrahim", "Murat|Murad", "Emre", "Burak", "Yusuf", "Ömer|Omer|Oemer", "Osman",
              "Kemal", "Serkan", "Çağlar|Caglar"),
        female=("Ayşe|Ayse|Aysche", "Fatma", "Emine", "Hatice|Hatidje", "Zeynep|Zeinep", "Elif",
                "Özlem|Ozlem|Oezlem", "Merve", "Büşra|Busra"),
        family=("Yılmaz|Yilmaz", "Kaya", "Demir", "Şahin|Sahin|Schahin", "Çelik|Celik", "Yıldız|Yildiz",
                "Öztürk|Ozturk|Oeztuerk", "Aydın|Aydin", "Arslan|Aslan", "Doğan|Dogan", "Kılıç|Kilic",
                "Koç|Koc", "Kurt", "Özdemir|Ozdemir"),
    ),
    Culture(
        "balkan", 0.09, ("rs", "ba", "xk", "al", "me", "mk", "hr"),
        male=("Marko=Марко", "Nikola=Никола", "Milan=Милан", "Stefan=Стефан", "Dragan=Драган",
              "Zoran=Зоран", "Goran=Горан", "Dejan=Дејан", "Nenad=Ненад", "Miloš|Milos=Милош",
              "Ardian", "Besnik", "Arben", "Edin", "Emir", "Mirza"),
        female=("Jelena|Yelena=Јелена", "Milica=Милица", "Ana=Ана", "Dragana=Драгана", "Ivana=Ивана",
                "Marija=Марија", "Arta", "Blerta", "Amra", "Lejla|Leila"),
        family=("Jovanović|Jovanovic|Jovanovich=Јовановић", "Petrović|Petrovic|Petrovich=Петровић",
                "Nikolić|Nikolic=Николић", "Marković|Markovic=Марковић",
                "Đorđević|Djordjevic|Dordevic|Georgevic=Ђорђевић", "Stojanović|Stojanovic=Стојановић",
                "Ilić|Ilic=Илић", "Hodžić|Hodzic", "Begić|Begic", "Krasniqi|Krasniqui", "Gashi", "Berisha",
                "Hoxha|Hodja|Hoxa", "Kovačević|Kovacevic"),
    ),
    Culture(
        "west_african", 0.07, ("sn", "ml", "gn", "ci", "ng", "gh", "bf", "ne"),
        male=("Mamadou|Mamadu", "Ousmane|Usman|Osman", "Ibrahima|Ibrahim", "Moussa|Musa",
              "Abdoulaye|Abdullahi", "Amadou|Ahmadou", "Cheikh|Sheikh", "Seydou|Seidou", "Oumar|Umar",
              "Kwame", "Kofi", "Chinedu", "Emeka", "Oluwaseun|Seun", "Babajide"),
        female=("Aminata|Aminatou", "Fatoumata|Fatimata|Fatou", "Mariama|Mariam", "Awa",
                "Aïssatou|Aissatou", "Adaeze", "Ngozi", "Abena", "Akosua", "Folake"),
        family=("Diallo|Dialo", "Traoré|Traore", "Koné|Kone", "Coulibaly|Kulibali", "Diop",
                "Ndiaye|N'Diaye|Ndiay", "Sow", "Bah|Ba", "Camara|Kamara", "Touré|Toure", "Keita|Keïta",
                "Okafor", "Adeyemi", "Mensah", "Owusu", "Sylla|Silla"),
    ),
    Culture(
        "south_asian", 0.07, ("pk", "in", "bd", "af", "gb"),
        male=("Muhammad|Mohammad|Mohammed", "Imran|Imraan", "Asif|Aasif", "Rahul=राहुल", "Amit=अमित",
              "Rajesh=राजेश", "Sanjay|Sanjai=संजय", "Vikram=विक्रम", "Arjun=अर्जुन", "Rahim|Raheem",
              "Kamal", "Harpreet", "Gurpreet", "Faisal|Faysal", "Tariq|Tarik"),
        female=("Fatima|Fatimah", "Ayesha|Aisha|Aysha", "Sana|Sanaa", "Priya=प्रिया", "Anjali=अंजलि",
                "Pooja|Puja=पूजा", "Sunita=सुनीता", "Nasreen|Nasrin", "Farzana", "Harleen"),
        family=("Khan", "Ahmed|Ahmad", "Hussain|Husain|Hussein", "Malik", "Sheikh|Shaikh|Sheik",
                "Chaudhry|Chaudhary|Choudhury", "Qureshi|Qureishi|Kureishi", "Butt|But", "Singh",
                "Sharma=शर्मा", "Patel", "Kumar=कुमार", "Gupta=गुप्ता", "Rahman|Rehman",
                "Hossain|Hosain", "Iqbal|Ikbal"),
    ),
)

MAX_VARIANTS = 5
ZIPF_EXPONENT = 1.0


@dataclass(frozen=True)
class NameTable:
    """All name parts in one table, so names are built by indexing arrays."""

    variants: np.ndarray  # (parts, MAX_VARIANTS) strings; unused slots repeat the canonical form
    variant_count: np.ndarray  # (parts,) int
    native: np.ndarray  # (parts,) strings, "" when the culture writes in Latin script
    ascii: np.ndarray  # (parts,) lower-case ASCII of the canonical form, for e-mail addresses
    masculine: np.ndarray  # (parts,) the masculine form of a family name part (itself otherwise)
    feminine: np.ndarray  # (parts,) the feminine form of a family name part (itself otherwise)
    # per culture and kind ("male", "female", "family_male", "family_female"): part indices, weights
    pools: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]

    def canonical(self, parts: np.ndarray) -> np.ndarray:
        return self.variants[parts, 0]


def _feminine(part: str) -> str:
    latin, _, native = part.partition("=")
    forms = [f + "a" if f.endswith(("ov", "ev", "ow", "ew", "in", "yn")) else f for f in latin.split("|")]
    if native and native.endswith(("ов", "ев", "ин", "ёв")):
        native += "а"
    return "|".join(forms) + (f"={native}" if native else "")


def build_name_table() -> NameTable:
    rows: list[tuple[list[str], str]] = []
    index: dict[str, int] = {}
    pools: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}

    def part_ids(parts: tuple[str, ...]) -> np.ndarray:
        ids = []
        for part in parts:
            if part not in index:
                latin, _, native = part.partition("=")
                forms = latin.split("|")[:MAX_VARIANTS]
                index[part] = len(rows)
                rows.append((forms, native))
            ids.append(index[part])
        return np.array(ids, dtype=np.int32)

    for c, culture in enumerate(CULTURES):
        female_family = tuple(_feminine(p) for p in culture.family) if culture.feminine_surnames else culture.family
        for kind, parts in (("male", culture.male), ("female", culture.female),
                            ("family_male", culture.family), ("family_female", female_family)):
            ids = part_ids(parts)
            weights = 1.0 / np.arange(1, len(ids) + 1) ** ZIPF_EXPONENT
            pools[(c, kind)] = (ids, weights / weights.sum())

    variants = np.array([(forms + [forms[0]] * MAX_VARIANTS)[:MAX_VARIANTS] for forms, _ in rows], dtype=STRING)
    count = np.array([len(forms) for forms, _ in rows], dtype=np.int32)
    native = np.array([n for _, n in rows], dtype=STRING)
    ascii_forms = np.array([re.sub(r"[^a-z]", "", ascii_text(forms[0]).lower()) for forms, _ in rows], dtype=STRING)
    masculine = np.arange(len(rows), dtype=np.int32)
    feminine = np.arange(len(rows), dtype=np.int32)
    for c in range(len(CULTURES)):
        male_ids, female_ids = pools[(c, "family_male")][0], pools[(c, "family_female")][0]
        masculine[female_ids] = male_ids
        feminine[male_ids] = female_ids
    return NameTable(variants, count, native, ascii_forms, masculine, feminine, pools)
