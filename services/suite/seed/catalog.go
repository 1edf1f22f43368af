package seed

// The fixed reference data the generator draws from: local authorities and
// their grid references, placement providers with their Ofsted URNs,
// workers, advisers, names and the Local Offer. All of it is invented (no
// real child, carer or provider), but shaped like a West Midlands council's.

// CouncilLA is the council's own local authority code (ONS): Coventry. A
// placement whose local authority is this code is inside the boundary.
const CouncilLA = "E08000026"

// localAuthority is a local authority a child may be placed in, with the
// Ordnance Survey grid reference (metres) of somewhere central in it.
type localAuthority struct {
	code      string
	name      string
	easting   float64
	northing  float64
	weightOut int // how often the council places there (outside placements)
}

var coventry = localAuthority{code: CouncilLA, name: "Coventry", easting: 433500, northing: 279000}

// outsideLAs are the English local authorities the council places children
// in outside its boundary, weighted by how often.
var outsideLAs = []localAuthority{
	{code: "E10000031", name: "Warwickshire", easting: 431000, northing: 265500, weightOut: 30},
	{code: "E08000025", name: "Birmingham", easting: 407500, northing: 287000, weightOut: 18},
	{code: "E08000029", name: "Solihull", easting: 416000, northing: 280500, weightOut: 12},
	{code: "E08000028", name: "Sandwell", easting: 400000, northing: 290500, weightOut: 7},
	{code: "E08000027", name: "Dudley", easting: 393500, northing: 289500, weightOut: 6},
	{code: "E06000062", name: "West Northamptonshire", easting: 475000, northing: 260500, weightOut: 7},
	{code: "E06000016", name: "Leicester", easting: 458500, northing: 304500, weightOut: 6},
	{code: "E10000028", name: "Staffordshire", easting: 392000, northing: 323000, weightOut: 5},
	{code: "E10000034", name: "Worcestershire", easting: 385000, northing: 255000, weightOut: 4},
	{code: "E08000031", name: "Wolverhampton", easting: 391500, northing: 298500, weightOut: 5},
}

// provider is a fostering service, home, supported accommodation provider
// or adoption agency the council uses. urn is its Ofsted URN.
type provider struct {
	name     string
	code     string // 903 PLACE_PROVIDER
	urn      string
	la       string // where its placements are ("" = anywhere: foster carers live all over)
	carer    string // the carer/provider reference for homes and schemes ("" = per household)
	capacity int    // weight
}

// Fostering services: the council's own (PR1) and independent agencies.
var fosteringServices = []provider{
	{name: "Coventry City Council Fostering Service", code: "PR1", urn: "SC062441", capacity: 60},
	{name: "Heartlands Family Fostering", code: "PR4", urn: "SC412875", capacity: 14},
	{name: "Midland Foster Care Partnership", code: "PR4", urn: "SC398104", capacity: 10},
	{name: "Orchard Fostering", code: "PR4", urn: "SC477320", capacity: 8},
	{name: "Three Spires Fostering Trust", code: "PR5", urn: "SC059962", capacity: 5},
	{name: "Warwickshire County Council Fostering Service", code: "PR2", urn: "SC058871", capacity: 3},
}

// Children's homes (K2) and secure children's homes (K1).
var childrensHomes = []provider{
	{name: "Allesley Road (council home)", code: "PR1", urn: "SC035219", la: CouncilLA, carer: "CH-ALLESLEY", capacity: 5},
	{name: "Stoke Aldermoor House (council home)", code: "PR1", urn: "SC035220", la: CouncilLA, carer: "CH-STOKE", capacity: 5},
	{name: "Willenhall Lodge", code: "PR4", urn: "SC487113", la: CouncilLA, carer: "CH-WILLENHALL", capacity: 4},
	{name: "Arden Children's Homes, Nuneaton", code: "PR4", urn: "SC452670", la: "E10000031", carer: "CH-ARDEN", capacity: 8},
	{name: "Kingfisher House, Solihull", code: "PR4", urn: "SC466091", la: "E08000029", carer: "CH-KINGFISHER", capacity: 6},
	{name: "Brook View, Birmingham", code: "PR4", urn: "SC471254", la: "E08000025", carer: "CH-BROOKVIEW", capacity: 7},
	{name: "Hillside Care, Dudley", code: "PR4", urn: "SC449833", la: "E08000027", carer: "CH-HILLSIDE", capacity: 5},
	{name: "Daventry Road Home", code: "PR5", urn: "SC040572", la: "E06000062", carer: "CH-DAVENTRY", capacity: 4},
	{name: "Sandwell Children's Home", code: "PR2", urn: "SC038167", la: "E08000028", carer: "CH-SANDWELL", capacity: 3},
	{name: "Leicester Road Care", code: "PR4", urn: "SC480045", la: "E06000016", carer: "CH-LEICESTER", capacity: 4},
}

var secureHomes = []provider{
	{name: "Clayfields House secure unit", code: "PR2", urn: "SC035866", la: "E10000028", carer: "SCH-CLAYFIELDS", capacity: 1},
}

// Supported accommodation providers (H5 before 2024/25, K3 from it).
var supportedAccommodation = []provider{
	{name: "Coventry Supported Lodgings Scheme", code: "PR1", urn: "2791043", la: CouncilLA, carer: "SA-LODGINGS", capacity: 6},
	{name: "Spires Youth Housing", code: "PR5", urn: "2788510", la: CouncilLA, carer: "SA-SPIRES", capacity: 10},
	{name: "Foleshill Semi-Independent", code: "PR4", urn: "2790177", la: CouncilLA, carer: "SA-FOLESHILL", capacity: 8},
	{name: "Nuneaton Step-Up Flats", code: "PR4", urn: "2795322", la: "E10000031", carer: "SA-NUNEATON", capacity: 8},
	{name: "Brum Transitions", code: "PR4", urn: "2786640", la: "E08000025", carer: "SA-BRUM", capacity: 7},
	{name: "Northampton Young People's Housing", code: "PR5", urn: "2793918", la: "E06000062", carer: "SA-NORTHANTS", capacity: 4},
	{name: "Leicester Supported Living", code: "PR4", urn: "2794486", la: "E06000016", carer: "SA-LEICESTER", capacity: 3},
}

// Adoption agencies: the regional adoption agency the council hosts (PR1),
// other councils' and voluntary agencies.
var adoptionAgencies = []provider{
	{name: "Adoption Central England (hosted by the council)", code: "PR1", urn: "SC486790", capacity: 8},
	{name: "Adoption in Partnership", code: "PR2", urn: "SC061992", capacity: 2},
	{name: "Families for Children", code: "PR5", urn: "SC038743", capacity: 2},
}

// The short-breaks unit children with disabilities stay in for V3 breaks.
var shortBreaksUnit = provider{name: "Wainbody Short Breaks", code: "PR1", urn: "SC035402", la: CouncilLA, carer: "SB-WAINBODY"}

// Residential special schools, for the few children placed in one (S1).
var residentialSchools = []provider{
	{name: "Oak Lodge School", code: "PR5", urn: "SC011532", la: "E10000031", carer: "RS-OAKLODGE", capacity: 1},
}

// Teams and workers the council allocates children to.
var (
	careTeams   = []string{"CIC-NORTH", "CIC-SOUTH", "CIC-EAST", "CIC-WEST"}
	uascTeam    = "UASC"
	cwdTeam     = "CWD"
	sixteenPlus = "CIC-16PLUS"
)

const (
	workersPerTeam = 12
	advisers       = 14
)

// The Local Offer to care leavers (PublishEntitlement).
var localOffer = []Entitlement{
	{ID: "setting-up-home", Title: "Setting-up-home allowance", Description: "Up to £3,000 towards furniture and essentials when you move into your own home.", MinAge: 16, MaxAge: 24},
	{ID: "council-tax-exemption", Title: "Council tax exemption", Description: "No council tax to pay on a home in Coventry until you are 25.", MinAge: 18, MaxAge: 24},
	{ID: "higher-education-bursary", Title: "Higher education bursary", Description: "£2,000 a year while you study at university, on top of the statutory bursary.", MinAge: 18, MaxAge: 24},
	{ID: "leisure-pass", Title: "Free leisure pass", Description: "Free entry to the city's leisure centres and swimming pools.", MinAge: 16, MaxAge: 24},
	{ID: "driving-lessons", Title: "Driving lessons", Description: "Ten driving lessons and the theory test, paid for.", MinAge: 17, MaxAge: 24},
	{ID: "apprenticeship-bursary", Title: "Apprenticeship bursary", Description: "£1,000 when you start an apprenticeship.", MinAge: 16, MaxAge: 24},
}

// Ethnicity codes (903 ETHNIC) with the weights of the council's children
// in care (non-UASC) and of its unaccompanied children.
var (
	ethnicities = []weighted{
		{"WBRI", 55}, {"WIRI", 1}, {"WOTH", 5}, {"WROM", 2}, {"MWBC", 9}, {"MWBA", 3}, {"MWAS", 2},
		{"MOTH", 4}, {"AIND", 3}, {"APKN", 2}, {"ABAN", 1}, {"AOTH", 1}, {"BCRB", 3}, {"BAFR", 5},
		{"BOTH", 1}, {"CHNE", 1}, {"OOTH", 2},
	}
	uascEthnicities = []weighted{{"AOTH", 35}, {"BAFR", 30}, {"OOTH", 25}, {"BOTH", 6}, {"WOTH", 4}}
)

type weighted struct {
	v string
	w int
}

// Names. The ethnicity decides the list; nothing here is a real child.
var (
	givenMale = []string{
		"Oliver", "Harry", "Jack", "Charlie", "Thomas", "Jacob", "Alfie", "Riley", "William", "James",
		"Joshua", "George", "Ethan", "Noah", "Samuel", "Daniel", "Oscar", "Max", "Mason", "Logan",
		"Tyler", "Leo", "Kai", "Callum", "Lewis", "Jayden", "Reece", "Connor", "Liam", "Finley",
		"Dylan", "Archie", "Harvey", "Kian", "Ryan", "Kyle", "Jordan", "Bailey", "Corey", "Luca",
	}
	givenFemale = []string{
		"Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella",
		"Lily", "Evie", "Isabella", "Sophie", "Ivy", "Freya", "Chloe", "Jessica", "Millie", "Ruby",
		"Daisy", "Holly", "Leah", "Megan", "Lacey", "Kayla", "Paige", "Summer", "Skye", "Tia",
		"Amber", "Ellie", "Maisie", "Lola", "Erin", "Niamh", "Caitlin", "Courtney", "Harriet", "Zara",
	}
	givenSouthAsianMale   = []string{"Arjun", "Rohan", "Harpreet", "Gurpreet", "Ayaan", "Zain", "Ibrahim", "Hamza", "Imran", "Rayan"}
	givenSouthAsianFemale = []string{"Priya", "Simran", "Aisha", "Amira", "Maryam", "Anaya", "Jasleen", "Noor", "Sana", "Zara"}
	givenBlackMale        = []string{"Kwame", "Tobi", "Emmanuel", "David", "Samuel", "Joel", "Malachi", "Isaiah", "Kofi", "Tyrese"}
	givenBlackFemale      = []string{"Abena", "Grace", "Precious", "Blessing", "Esther", "Nia", "Amara", "Favour", "Imani", "Zuri"}
	givenUASCMale         = []string{"Ahmad", "Mohammed", "Abdul", "Yonas", "Dawit", "Hamid", "Rahim", "Karwan", "Bilal", "Omid", "Samir", "Tesfay", "Mustafa", "Ali", "Hassan", "Awet", "Jamal", "Sardar", "Yasin", "Nasir"}
	givenUASCFemale       = []string{"Hiwet", "Selam", "Yordanos", "Fatima", "Maryam", "Zahra", "Lidya", "Soraya", "Helen", "Ruta"}

	familyNames = []string{
		"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
		"Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
		"Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris", "King", "Watson",
		"Harris", "Baker", "Lewis", "Young", "Allen", "Mitchell", "Phillips", "Parker", "Bennett", "Carter",
		"Shaw", "Lloyd", "Price", "Bailey", "Webb", "Cox", "Murphy", "Doherty", "Kowalski", "Nowak",
	}
	familySouthAsian = []string{"Singh", "Kaur", "Patel", "Khan", "Hussain", "Ahmed", "Begum", "Sharma", "Mahmood", "Akhtar"}
	familyBlack      = []string{"Mensah", "Okafor", "Adeyemi", "Boateng", "Campbell", "Francis", "Asante", "Okoro", "Grant", "Reid"}
	familyUASC       = []string{"Ahmadi", "Haidari", "Tesfaye", "Gebremedhin", "Mohammadi", "Rahimi", "Kebede", "Abdullah", "Hassan", "Mohamud", "Yosief", "Karimi", "Osman", "Hamdan", "Berhane", "Qaderi", "Ali", "Aziz", "Salih", "Tekle"}
)
