# ruff: noqa: E501  (word tables read best one entry a line)
"""Word lists for the sandbox catalogue, every entry in the five catalogue languages.

Pure data: no imports from the rest of daigou. Each word is a dict keyed by language code
(``zh`` original, ``en``, ``vi``, ``th``, ``es``). The catalogue generator assembles titles,
category and shop names from these parts, so a keyword in any language finds its offers
(apparel nouns in Vietnamese start with "áo"/"quần"/"váy", bag nouns in English end in "bag").
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("zh", "en", "vi", "th", "es")

Word = dict[str, str]


def w(zh: str, en: str, vi: str, th: str, es: str) -> Word:
    return {"zh": zh, "en": en, "vi": vi, "th": th, "es": es}


# --- attribute names (SKU axes and offer attributes) ------------------------------------

ATTR_COLOUR = w("颜色", "Colour", "Màu sắc", "สี", "Color")
ATTR_SIZE = w("尺码", "Size", "Kích cỡ", "ขนาด", "Talla")
ATTR_SPEC = w("规格", "Specification", "Quy cách", "สเปค", "Especificación")
ATTR_MODEL = w(
    "适用机型", "Compatible model", "Mẫu máy tương thích", "รุ่นที่รองรับ", "Modelo compatible"
)
ATTR_MATERIAL = w("材质", "Material", "Chất liệu", "วัสดุ", "Material")
ATTR_STYLE = w("风格", "Style", "Phong cách", "สไตล์", "Estilo")
ATTR_ORIGIN = w("产地", "Place of origin", "Xuất xứ", "แหล่งผลิต", "Origen")

# --- SKU values ------------------------------------------------------------------------

COLOURS: list[Word] = [
    w("黑色", "black", "đen", "สีดำ", "negro"),
    w("白色", "white", "trắng", "สีขาว", "blanco"),
    w("灰色", "grey", "xám", "สีเทา", "gris"),
    w("红色", "red", "đỏ", "สีแดง", "rojo"),
    w("蓝色", "blue", "xanh dương", "สีน้ำเงิน", "azul"),
    w("藏青色", "navy", "xanh than", "สีกรมท่า", "azul marino"),
    w("粉色", "pink", "hồng", "สีชมพู", "rosa"),
    w("绿色", "green", "xanh lá", "สีเขียว", "verde"),
    w("卡其色", "khaki", "kaki", "สีกากี", "caqui"),
    w("米白色", "off-white", "trắng ngà", "สีขาวนวล", "blanco roto"),
    w("紫色", "purple", "tím", "สีม่วง", "morado"),
    w("黄色", "yellow", "vàng", "สีเหลือง", "amarillo"),
    w("棕色", "brown", "nâu", "สีน้ำตาล", "marrón"),
    w("杏色", "apricot", "màu mơ", "สีแอปริคอท", "albaricoque"),
]

APPAREL_SIZES: list[Word] = [w(s, s, s, s, s) for s in ("S", "M", "L", "XL", "XXL", "3XL")]
SHOE_SIZES: list[Word] = [w(str(s), str(s), str(s), str(s), str(s)) for s in range(35, 46)]
KIDS_SIZES: list[Word] = [
    w(f"{s}cm", f"{s}cm", f"{s}cm", f"{s}cm", f"{s}cm") for s in (90, 100, 110, 120, 130, 140)
]

SPECS: list[Word] = [
    w("标准款", "standard", "bản tiêu chuẩn", "รุ่นมาตรฐาน", "estándar"),
    w("升级款", "upgraded", "bản nâng cấp", "รุ่นอัปเกรด", "mejorado"),
    w("豪华款", "deluxe", "bản cao cấp", "รุ่นดีลักซ์", "de lujo"),
    w("小号", "small", "cỡ nhỏ", "ไซซ์เล็ก", "pequeño"),
    w("中号", "medium", "cỡ vừa", "ไซซ์กลาง", "mediano"),
    w("大号", "large", "cỡ lớn", "ไซซ์ใหญ่", "grande"),
    w("2件装", "pack of 2", "bộ 2 chiếc", "แพ็ค 2 ชิ้น", "pack de 2"),
    w("3件装", "pack of 3", "bộ 3 chiếc", "แพ็ค 3 ชิ้น", "pack de 3"),
]

PHONE_MODELS: list[Word] = [
    w(m, m, m, m, m)
    for m in (
        "iPhone 15",
        "iPhone 15 Pro",
        "iPhone 15 Pro Max",
        "iPhone 16",
        "iPhone 16 Pro",
        "华为 Mate 60",
        "小米 14",
        "OPPO Reno 11",
        "vivo X100",
    )
]
# The Chinese brand names read in Latin script outside zh.
for _m in PHONE_MODELS:
    if _m["zh"].startswith("华为"):
        for _l in ("en", "vi", "th", "es"):
            _m[_l] = _m["zh"].replace("华为", "Huawei")
    elif _m["zh"].startswith("小米"):
        for _l in ("en", "vi", "th", "es"):
            _m[_l] = _m["zh"].replace("小米", "Xiaomi")

DEFAULT_SKU_VALUE = w("默认", "default", "mặc định", "ค่าเริ่มต้น", "predeterminado")

# --- title parts -------------------------------------------------------------------------

NEW_WORD = w("新款", "new", "mẫu mới", "ใหม่", "novedad")

AUDIENCES_APPAREL: list[Word] = [
    w("男", "men", "nam", "ผู้ชาย", "hombre"),
    w("女", "women", "nữ", "ผู้หญิง", "mujer"),
    w("男女同款", "unisex", "unisex", "ยูนิเซ็กซ์", "unisex"),
    w("情侣", "couple", "đôi", "คู่รัก", "pareja"),
]
AUDIENCE_KIDS = w("儿童", "kids", "trẻ em", "เด็ก", "niños")
AUDIENCES_HOME: list[Word] = [
    w("家用", "household", "gia dụng", "ใช้ในบ้าน", "para el hogar"),
    w("宿舍", "dorm", "ký túc xá", "หอพัก", "residencia"),
    w("", "", "", "", ""),
]
NO_AUDIENCE: list[Word] = [w("", "", "", "", "")]

STYLES_APPAREL: list[Word] = [
    w("宽松", "loose", "rộng", "ทรงหลวม", "holgado"),
    w("修身", "slim fit", "ôm dáng", "ทรงสลิม", "ajustado"),
    w("休闲", "casual", "thường ngày", "ลำลอง", "casual"),
    w("韩版", "Korean style", "phong cách Hàn Quốc", "สไตล์เกาหลี", "estilo coreano"),
    w("日系", "Japanese style", "phong cách Nhật", "สไตล์ญี่ปุ่น", "estilo japonés"),
    w("百搭", "versatile", "dễ phối", "แมทช์ง่าย", "versátil"),
    w("ins风", "ins style", "phong cách ins", "สไตล์ไอจี", "estilo ins"),
    w("复古", "vintage", "cổ điển", "วินเทจ", "vintage"),
    w("潮牌", "streetwear", "đường phố", "สตรีทแวร์", "urbano"),
    w("简约", "minimalist", "tối giản", "มินิมอล", "minimalista"),
]
STYLES_GOODS: list[Word] = [
    w("简约", "minimalist", "tối giản", "มินิมอล", "minimalista"),
    w("北欧风", "Nordic style", "phong cách Bắc Âu", "สไตล์นอร์ดิก", "estilo nórdico"),
    w("ins风", "ins style", "phong cách ins", "สไตล์ไอจี", "estilo ins"),
    w("便携", "portable", "di động", "พกพาง่าย", "portátil"),
    w("大容量", "large capacity", "dung tích lớn", "ความจุสูง", "gran capacidad"),
    w("多功能", "multifunctional", "đa năng", "อเนกประสงค์", "multifunción"),
    w("高颜值", "stylish", "thời trang", "ดีไซน์สวย", "elegante"),
    w("耐用", "durable", "bền", "ทนทาน", "duradero"),
    w("创意", "creative", "sáng tạo", "สร้างสรรค์", "creativo"),
    w("加厚", "thickened", "dày dặn", "หนาพิเศษ", "reforzado"),
]

# --- materials ---------------------------------------------------------------------------

M = {
    "cotton": w("纯棉", "cotton", "cotton", "ผ้าฝ้าย", "algodón"),
    "linen": w("亚麻", "linen", "vải lanh", "ผ้าลินิน", "lino"),
    "polyester": w("涤纶", "polyester", "polyester", "โพลีเอสเตอร์", "poliéster"),
    "denim": w("牛仔", "denim", "bò denim", "ยีนส์", "mezclilla"),
    "ice_silk": w("冰丝", "ice silk", "lụa lạnh", "ผ้าไอซ์ซิลค์", "seda fría"),
    "wool": w("羊毛", "wool", "len", "ขนสัตว์", "lana"),
    "fleece": w("加绒", "fleece-lined", "lót nỉ", "บุขนนุ่ม", "forro polar"),
    "leather": w("真皮", "genuine leather", "da thật", "หนังแท้", "piel auténtica"),
    "pu": w("PU皮", "PU leather", "da PU", "หนัง PU", "cuero PU"),
    "canvas": w("帆布", "canvas", "vải canvas", "ผ้าแคนวาส", "lona"),
    "nylon": w("尼龙", "nylon", "nylon", "ไนลอน", "nailon"),
    "mesh": w("网面", "mesh", "lưới", "ผ้าตาข่าย", "malla"),
    "rubber": w("橡胶", "rubber", "cao su", "ยาง", "goma"),
    "eva": w("EVA", "EVA", "EVA", "EVA", "EVA"),
    "stainless": w("不锈钢", "stainless steel", "thép không gỉ", "สแตนเลส", "acero inoxidable"),
    "ceramic": w("陶瓷", "ceramic", "gốm sứ", "เซรามิก", "cerámica"),
    "glass": w("玻璃", "glass", "thủy tinh", "แก้ว", "vidrio"),
    "silicone": w("硅胶", "silicone", "silicon", "ซิลิโคน", "silicona"),
    "wood": w("实木", "solid wood", "gỗ tự nhiên", "ไม้จริง", "madera maciza"),
    "bamboo": w("竹制", "bamboo", "tre", "ไม้ไผ่", "bambú"),
    "plastic": w("塑料", "plastic", "nhựa", "พลาสติก", "plástico"),
    "aluminium": w(
        "铝合金", "aluminium alloy", "hợp kim nhôm", "อะลูมิเนียมอัลลอย", "aleación de aluminio"
    ),
    "tpu": w("TPU", "TPU", "TPU", "TPU", "TPU"),
    "plush": w("毛绒", "plush", "lông nhung", "ผ้ากำมะหยี่", "peluche"),
    "abs": w("ABS", "ABS", "ABS", "ABS", "ABS"),
    "natural": w("天然", "natural", "tự nhiên", "ธรรมชาติ", "natural"),
    "bristle": w("软毛", "soft-bristle", "lông mềm", "ขนนุ่ม", "de cerdas suaves"),
    "spandex": w("氨纶", "spandex", "thun spandex", "สแปนเด็กซ์", "elastano"),
}

# --- the category tree -------------------------------------------------------------------
# Each top category: names, materials, audiences, styles, and its leaves. Each leaf: names,
# product nouns, the SKU kind (apparel: colour x size; shoes: colour x shoe size; kids:
# colour x height; phone: colour x phone model; spec: colour x spec; colour: colour only),
# base price range in fen, weight range in grams and a (length, width, height) box in mm.

CATEGORY_TREE: list[dict] = [
    {
        "names": w("服装", "Apparel", "Quần áo", "เสื้อผ้า", "Ropa"),
        "materials": ["cotton", "linen", "polyester", "ice_silk", "spandex", "fleece"],
        "audiences": AUDIENCES_APPAREL,
        "styles": STYLES_APPAREL,
        "leaves": [
            {
                "names": w("T恤", "T-shirts", "Áo phông", "เสื้อยืด", "Camisetas"),
                "nouns": [
                    w(
                        "短袖T恤",
                        "short-sleeve T-shirt",
                        "áo phông ngắn tay",
                        "เสื้อยืดแขนสั้น",
                        "camiseta de manga corta",
                    ),
                    w(
                        "长袖T恤",
                        "long-sleeve T-shirt",
                        "áo phông dài tay",
                        "เสื้อยืดแขนยาว",
                        "camiseta de manga larga",
                    ),
                    w(
                        "圆领T恤",
                        "crew-neck T-shirt",
                        "áo phông cổ tròn",
                        "เสื้อยืดคอกลม",
                        "camiseta de cuello redondo",
                    ),
                ],
                "sku": "apparel",
                "price": (1500, 6900),
                "weight": (150, 300),
                "box": (300, 250, 30),
            },
            {
                "names": w("衬衫", "Shirts", "Áo sơ mi", "เสื้อเชิ้ต", "Camisas"),
                "nouns": [
                    w("衬衫", "shirt", "áo sơ mi", "เสื้อเชิ้ต", "camisa"),
                    w(
                        "格子衬衫",
                        "plaid shirt",
                        "áo sơ mi kẻ caro",
                        "เสื้อเชิ้ตลายสก็อต",
                        "camisa a cuadros",
                    ),
                    w("Polo衫", "polo shirt", "áo polo", "เสื้อโปโล", "polo"),
                ],
                "sku": "apparel",
                "price": (2900, 12900),
                "weight": (200, 350),
                "box": (320, 260, 30),
            },
            {
                "names": w("卫衣", "Hoodies & sweatshirts", "Áo nỉ & hoodie", "เสื้อฮู้ด", "Sudaderas"),
                "nouns": [
                    w("连帽卫衣", "hoodie", "áo hoodie", "เสื้อฮู้ด", "sudadera con capucha"),
                    w("圆领卫衣", "sweatshirt", "áo nỉ cổ tròn", "เสื้อสเวตเตอร์", "sudadera"),
                ],
                "sku": "apparel",
                "price": (4900, 15900),
                "weight": (400, 700),
                "box": (350, 280, 60),
            },
            {
                "names": w(
                    "外套", "Jackets & coats", "Áo khoác", "เสื้อแจ็คเก็ต", "Chaquetas y abrigos"
                ),
                "nouns": [
                    w("夹克外套", "jacket", "áo khoác", "เสื้อแจ็คเก็ต", "chaqueta"),
                    w("羽绒服", "down jacket", "áo phao lông vũ", "เสื้อขนเป็ด", "plumífero"),
                    w("风衣", "trench coat", "áo măng tô", "เสื้อโค้ทกันลม", "gabardina"),
                ],
                "sku": "apparel",
                "price": (8900, 39900),
                "weight": (500, 1200),
                "box": (400, 300, 80),
            },
            {
                "names": w("裤子", "Trousers", "Quần", "กางเกง", "Pantalones"),
                "nouns": [
                    w("牛仔裤", "jeans", "quần jean", "กางเกงยีนส์", "vaqueros"),
                    w(
                        "休闲裤",
                        "casual trousers",
                        "quần dài thường ngày",
                        "กางเกงขายาวลำลอง",
                        "pantalón casual",
                    ),
                    w(
                        "运动短裤",
                        "sports shorts",
                        "quần short thể thao",
                        "กางเกงขาสั้นกีฬา",
                        "pantalón corto deportivo",
                    ),
                ],
                "sku": "apparel",
                "price": (3900, 13900),
                "weight": (300, 650),
                "box": (350, 280, 40),
            },
            {
                "names": w("连衣裙", "Dresses", "Váy đầm", "ชุดเดรส", "Vestidos"),
                "nouns": [
                    w("连衣裙", "dress", "váy liền", "ชุดเดรส", "vestido"),
                    w("半身裙", "skirt", "chân váy", "กระโปรง", "falda"),
                ],
                "sku": "apparel",
                "price": (4900, 19900),
                "weight": (250, 500),
                "box": (350, 280, 40),
            },
        ],
    },
    {
        "names": w("鞋靴", "Shoes", "Giày dép", "รองเท้า", "Calzado"),
        "materials": ["mesh", "pu", "leather", "canvas", "rubber", "eva"],
        "audiences": AUDIENCES_APPAREL,
        "styles": STYLES_APPAREL,
        "leaves": [
            {
                "names": w("运动鞋", "Sneakers", "Giày thể thao", "รองเท้าผ้าใบ", "Zapatillas"),
                "nouns": [
                    w("运动鞋", "sneakers", "giày thể thao", "รองเท้าผ้าใบ", "zapatillas deportivas"),
                    w(
                        "跑步鞋",
                        "running shoes",
                        "giày chạy bộ",
                        "รองเท้าวิ่ง",
                        "zapatillas para correr",
                    ),
                    w("板鞋", "skate shoes", "giày trượt ván", "รองเท้าสเก็ต", "zapatillas de skate"),
                ],
                "sku": "shoes",
                "price": (5900, 25900),
                "weight": (600, 1100),
                "box": (330, 220, 120),
            },
            {
                "names": w("皮鞋", "Leather shoes", "Giày da", "รองเท้าหนัง", "Zapatos de piel"),
                "nouns": [
                    w(
                        "商务皮鞋",
                        "business shoes",
                        "giày da công sở",
                        "รองเท้าหนังทำงาน",
                        "zapatos de vestir",
                    ),
                    w("乐福鞋", "loafers", "giày lười", "รองเท้าโลฟเฟอร์", "mocasines"),
                ],
                "sku": "shoes",
                "price": (8900, 29900),
                "weight": (700, 1200),
                "box": (330, 220, 120),
            },
            {
                "names": w(
                    "拖鞋凉鞋",
                    "Sandals & slippers",
                    "Dép & sandal",
                    "รองเท้าแตะ",
                    "Sandalias y chanclas",
                ),
                "nouns": [
                    w("拖鞋", "slippers", "dép lê", "รองเท้าแตะ", "chanclas"),
                    w("凉鞋", "sandals", "dép sandal", "รองเท้าแตะรัดส้น", "sandalias"),
                ],
                "sku": "shoes",
                "price": (990, 5900),
                "weight": (200, 500),
                "box": (300, 200, 80),
            },
            {
                "names": w("靴子", "Boots", "Giày bốt", "รองเท้าบูท", "Botas"),
                "nouns": [
                    w("马丁靴", "Martin boots", "giày bốt Martin", "รองเท้าบูทมาร์ติน", "botas Martin"),
                    w("雪地靴", "snow boots", "giày bốt đi tuyết", "รองเท้าบูทหิมะ", "botas de nieve"),
                ],
                "sku": "shoes",
                "price": (9900, 35900),
                "weight": (900, 1600),
                "box": (350, 250, 140),
            },
        ],
    },
    {
        "names": w("箱包", "Bags & luggage", "Túi xách & vali", "กระเป๋า", "Bolsos y equipaje"),
        "materials": ["pu", "leather", "canvas", "nylon", "polyester"],
        "audiences": [
            AUDIENCES_APPAREL[0],
            AUDIENCES_APPAREL[1],
            AUDIENCES_APPAREL[2],
            NO_AUDIENCE[0],
        ],
        "styles": STYLES_GOODS,
        "leaves": [
            {
                "names": w("双肩包", "Backpacks", "Ba lô", "กระเป๋าเป้", "Mochilas"),
                "nouns": [
                    w("双肩包", "backpack bag", "ba lô", "กระเป๋าเป้สะพายหลัง", "mochila"),
                    w(
                        "电脑包",
                        "laptop bag",
                        "túi đựng laptop",
                        "กระเป๋าโน้ตบุ๊ก",
                        "bolsa para portátil",
                    ),
                ],
                "sku": "colour",
                "price": (3900, 19900),
                "weight": (500, 1200),
                "box": (450, 320, 120),
            },
            {
                "names": w("女包", "Handbags", "Túi xách nữ", "กระเป๋าถือ", "Bolsos de mano"),
                "nouns": [
                    w("手提包", "handbag", "túi xách tay", "กระเป๋าถือ", "bolso de mano"),
                    w(
                        "斜挎包",
                        "crossbody bag",
                        "túi đeo chéo",
                        "กระเป๋าสะพายข้าง",
                        "bolso bandolera",
                    ),
                    w("托特包", "tote bag", "túi tote", "กระเป๋าโท้ท", "bolso tote"),
                ],
                "sku": "colour",
                "price": (2900, 25900),
                "weight": (300, 900),
                "box": (350, 280, 120),
            },
            {
                "names": w("钱包", "Wallets", "Ví", "กระเป๋าสตางค์", "Carteras"),
                "nouns": [
                    w("钱包", "wallet", "ví tiền", "กระเป๋าสตางค์", "cartera"),
                    w("卡包", "card holder", "ví đựng thẻ", "กระเป๋าใส่บัตร", "tarjetero"),
                ],
                "sku": "colour",
                "price": (990, 8900),
                "weight": (80, 250),
                "box": (200, 120, 40),
            },
            {
                "names": w("行李箱", "Luggage", "Vali", "กระเป๋าเดินทาง", "Maletas"),
                "nouns": [
                    w(
                        "拉杆箱",
                        "trolley suitcase",
                        "vali kéo",
                        "กระเป๋าเดินทางล้อลาก",
                        "maleta con ruedas",
                    ),
                    w("旅行袋", "travel bag", "túi du lịch", "กระเป๋าเดินทาง", "bolsa de viaje"),
                ],
                "sku": "spec",
                "price": (9900, 45900),
                "weight": (1500, 4500),
                "box": (700, 450, 280),
            },
        ],
    },
    {
        "names": w("家居用品", "Home", "Đồ gia dụng", "ของใช้ในบ้าน", "Hogar"),
        "materials": ["cotton", "polyester", "bamboo", "plastic", "wood", "linen"],
        "audiences": AUDIENCES_HOME,
        "styles": STYLES_GOODS,
        "leaves": [
            {
                "names": w("床上用品", "Bedding", "Chăn ga gối", "เครื่องนอน", "Ropa de cama"),
                "nouns": [
                    w("四件套", "bedding set", "bộ chăn ga gối", "ชุดผ้าปูที่นอน", "juego de cama"),
                    w("枕头", "pillow", "gối", "หมอน", "almohada"),
                ],
                "sku": "spec",
                "price": (3900, 29900),
                "weight": (800, 3000),
                "box": (450, 350, 150),
            },
            {
                "names": w("收纳整理", "Storage", "Đồ lưu trữ", "ที่เก็บของ", "Almacenaje"),
                "nouns": [
                    w("收纳箱", "storage box", "hộp đựng đồ", "กล่องเก็บของ", "caja de almacenaje"),
                    w("置物架", "storage rack", "kệ để đồ", "ชั้นวางของ", "estantería"),
                ],
                "sku": "spec",
                "price": (990, 12900),
                "weight": (300, 2500),
                "box": (450, 320, 250),
            },
            {
                "names": w("毛巾浴巾", "Towels", "Khăn tắm", "ผ้าขนหนู", "Toallas"),
                "nouns": [
                    w("毛巾", "towel", "khăn mặt", "ผ้าเช็ดหน้า", "toalla"),
                    w("浴巾", "bath towel", "khăn tắm", "ผ้าเช็ดตัว", "toalla de baño"),
                ],
                "sku": "colour",
                "price": (590, 4900),
                "weight": (100, 600),
                "box": (300, 200, 60),
            },
            {
                "names": w("家居装饰", "Home decor", "Đồ trang trí", "ของแต่งบ้าน", "Decoración"),
                "nouns": [
                    w("挂画", "wall art", "tranh treo tường", "ภาพแขวนผนัง", "cuadro decorativo"),
                    w("地毯", "rug", "thảm trải sàn", "พรม", "alfombra"),
                    w("香薰蜡烛", "scented candle", "nến thơm", "เทียนหอม", "vela aromática"),
                ],
                "sku": "spec",
                "price": (1500, 19900),
                "weight": (200, 2000),
                "box": (500, 400, 80),
            },
        ],
    },
    {
        "names": w("厨房用品", "Kitchen", "Đồ dùng nhà bếp", "เครื่องครัว", "Cocina"),
        "materials": ["stainless", "ceramic", "glass", "silicone", "bamboo", "plastic"],
        "audiences": AUDIENCES_HOME,
        "styles": STYLES_GOODS,
        "leaves": [
            {
                "names": w("锅具", "Cookware", "Nồi chảo", "หม้อและกระทะ", "Menaje de cocina"),
                "nouns": [
                    w(
                        "不粘锅",
                        "non-stick pan",
                        "chảo chống dính",
                        "กระทะเคลือบ",
                        "sartén antiadherente",
                    ),
                    w("汤锅", "soup pot", "nồi nấu canh", "หม้อต้ม", "olla"),
                ],
                "sku": "spec",
                "price": (4900, 25900),
                "weight": (800, 2500),
                "box": (400, 350, 150),
            },
            {
                "names": w("餐具", "Tableware", "Bát đĩa", "ภาชนะบนโต๊ะอาหาร", "Vajilla"),
                "nouns": [
                    w("碗碟套装", "dinnerware set", "bộ bát đĩa", "ชุดจานชาม", "juego de vajilla"),
                    w("筷子", "chopsticks", "đũa", "ตะเกียบ", "palillos"),
                ],
                "sku": "spec",
                "price": (990, 15900),
                "weight": (200, 3000),
                "box": (400, 300, 200),
            },
            {
                "names": w(
                    "水杯", "Cups & bottles", "Cốc & bình nước", "แก้วน้ำ", "Tazas y botellas"
                ),
                "nouns": [
                    w("保温杯", "thermos cup", "bình giữ nhiệt", "แก้วเก็บอุณหภูมิ", "termo"),
                    w("马克杯", "mug", "cốc", "แก้วมัค", "taza"),
                    w("运动水杯", "water bottle", "bình nước thể thao", "ขวดน้ำ", "botella de agua"),
                ],
                "sku": "colour",
                "price": (990, 9900),
                "weight": (200, 600),
                "box": (250, 120, 120),
            },
            {
                "names": w(
                    "厨房小工具",
                    "Kitchen gadgets",
                    "Dụng cụ nhà bếp",
                    "อุปกรณ์ครัว",
                    "Utensilios de cocina",
                ),
                "nouns": [
                    w("削皮刀", "peeler", "dao gọt", "มีดปอกเปลือก", "pelador"),
                    w("硅胶铲", "spatula", "xẻng lật", "ตะหลิว", "espátula"),
                    w("保鲜盒", "food container", "hộp đựng thực phẩm", "กล่องถนอมอาหาร", "táper"),
                ],
                "sku": "spec",
                "price": (390, 3900),
                "weight": (50, 500),
                "box": (250, 150, 60),
            },
        ],
    },
    {
        "names": w(
            "数码配件",
            "Electronics accessories",
            "Phụ kiện điện tử",
            "อุปกรณ์เสริมอิเล็กทรอนิกส์",
            "Accesorios electrónicos",
        ),
        "materials": ["tpu", "silicone", "aluminium", "abs", "nylon"],
        "audiences": NO_AUDIENCE,
        "styles": STYLES_GOODS,
        "leaves": [
            {
                "names": w(
                    "手机壳", "Phone cases", "Ốp điện thoại", "เคสโทรศัพท์", "Fundas de móvil"
                ),
                "nouns": [
                    w("手机壳", "phone case", "ốp lưng điện thoại", "เคสโทรศัพท์", "funda de móvil"),
                    w(
                        "防摔手机壳",
                        "shockproof phone case",
                        "ốp lưng chống sốc",
                        "เคสกันกระแทก",
                        "funda antigolpes",
                    ),
                ],
                "sku": "phone",
                "price": (290, 3900),
                "weight": (30, 80),
                "box": (180, 100, 20),
            },
            {
                "names": w("数据线", "Cables", "Cáp sạc", "สายชาร์จ", "Cables"),
                "nouns": [
                    w(
                        "快充数据线",
                        "fast-charging cable",
                        "cáp sạc nhanh",
                        "สายชาร์จเร็ว",
                        "cable de carga rápida",
                    ),
                    w("Type-C数据线", "USB-C cable", "cáp Type-C", "สาย Type-C", "cable USB-C"),
                ],
                "sku": "spec",
                "price": (290, 2900),
                "weight": (30, 100),
                "box": (150, 100, 30),
            },
            {
                "names": w("充电器", "Chargers", "Củ sạc", "หัวชาร์จ", "Cargadores"),
                "nouns": [
                    w("充电头", "charger", "củ sạc", "หัวชาร์จ", "cargador"),
                    w("充电宝", "power bank", "sạc dự phòng", "พาวเวอร์แบงค์", "batería externa"),
                ],
                "sku": "spec",
                "price": (1500, 15900),
                "weight": (60, 400),
                "box": (150, 100, 40),
            },
            {
                "names": w("耳机", "Earphones", "Tai nghe", "หูฟัง", "Auriculares"),
                "nouns": [
                    w(
                        "蓝牙耳机",
                        "Bluetooth earphones",
                        "tai nghe Bluetooth",
                        "หูฟังบลูทูธ",
                        "auriculares Bluetooth",
                    ),
                    w("头戴式耳机", "headphones", "tai nghe chụp tai", "หูฟังครอบหู", "cascos"),
                ],
                "sku": "colour",
                "price": (2900, 29900),
                "weight": (80, 400),
                "box": (200, 180, 80),
            },
            {
                "names": w(
                    "手机支架",
                    "Phone holders",
                    "Giá đỡ điện thoại",
                    "ที่วางโทรศัพท์",
                    "Soportes de móvil",
                ),
                "nouns": [
                    w(
                        "手机支架",
                        "phone holder",
                        "giá đỡ điện thoại",
                        "ขาตั้งโทรศัพท์",
                        "soporte de móvil",
                    ),
                    w(
                        "车载支架",
                        "car phone mount",
                        "giá đỡ điện thoại ô tô",
                        "ที่ยึดโทรศัพท์ในรถ",
                        "soporte de coche",
                    ),
                ],
                "sku": "colour",
                "price": (590, 4900),
                "weight": (50, 300),
                "box": (180, 120, 60),
            },
        ],
    },
    {
        "names": w("玩具", "Toys", "Đồ chơi", "ของเล่น", "Juguetes"),
        "materials": ["plastic", "plush", "wood", "silicone", "abs"],
        "audiences": [AUDIENCE_KIDS, NO_AUDIENCE[0]],
        "styles": STYLES_GOODS,
        "leaves": [
            {
                "names": w("毛绒玩具", "Plush toys", "Thú nhồi bông", "ตุ๊กตา", "Peluches"),
                "nouns": [
                    w("毛绒公仔", "plush doll", "gấu bông", "ตุ๊กตาผ้า", "muñeco de peluche"),
                    w(
                        "抱枕玩偶",
                        "stuffed animal pillow",
                        "gối thú bông",
                        "หมอนตุ๊กตา",
                        "cojín de peluche",
                    ),
                ],
                "sku": "spec",
                "price": (990, 12900),
                "weight": (150, 1200),
                "box": (400, 300, 250),
            },
            {
                "names": w(
                    "积木", "Building blocks", "Đồ chơi lắp ráp", "ตัวต่อ", "Bloques de construcción"
                ),
                "nouns": [
                    w(
                        "拼装积木",
                        "building blocks",
                        "bộ xếp hình",
                        "ตัวต่อเลโก้",
                        "bloques de construcción",
                    ),
                    w("拼图", "jigsaw puzzle", "tranh ghép hình", "จิ๊กซอว์", "rompecabezas"),
                ],
                "sku": "spec",
                "price": (1900, 19900),
                "weight": (300, 1500),
                "box": (350, 250, 100),
            },
            {
                "names": w(
                    "遥控玩具",
                    "RC toys",
                    "Đồ chơi điều khiển",
                    "ของเล่นบังคับ",
                    "Juguetes teledirigidos",
                ),
                "nouns": [
                    w(
                        "遥控车",
                        "remote control car",
                        "xe điều khiển từ xa",
                        "รถบังคับ",
                        "coche teledirigido",
                    ),
                    w(
                        "遥控飞机",
                        "RC drone",
                        "máy bay điều khiển",
                        "โดรนบังคับ",
                        "dron teledirigido",
                    ),
                ],
                "sku": "colour",
                "price": (4900, 39900),
                "weight": (400, 2000),
                "box": (450, 300, 200),
            },
            {
                "names": w(
                    "益智玩具",
                    "Educational toys",
                    "Đồ chơi giáo dục",
                    "ของเล่นเสริมทักษะ",
                    "Juguetes educativos",
                ),
                "nouns": [
                    w(
                        "早教玩具",
                        "learning toy",
                        "đồ chơi giáo dục sớm",
                        "ของเล่นเสริมพัฒนาการ",
                        "juguete educativo",
                    ),
                    w(
                        "磁力片",
                        "magnetic tiles",
                        "bộ nam châm xếp hình",
                        "แม่เหล็กตัวต่อ",
                        "bloques magnéticos",
                    ),
                ],
                "sku": "spec",
                "price": (1500, 15900),
                "weight": (200, 1500),
                "box": (350, 250, 100),
            },
        ],
    },
    {
        "names": w(
            "美妆个护",
            "Beauty & personal care",
            "Làm đẹp & chăm sóc cá nhân",
            "ความงามและของใช้ส่วนตัว",
            "Belleza y cuidado personal",
        ),
        "materials": ["natural", "silicone", "bristle", "plastic"],
        "audiences": [AUDIENCES_APPAREL[1], AUDIENCES_APPAREL[0], NO_AUDIENCE[0]],
        "styles": STYLES_GOODS,
        "leaves": [
            {
                "names": w(
                    "化妆刷",
                    "Makeup brushes",
                    "Cọ trang điểm",
                    "แปรงแต่งหน้า",
                    "Brochas de maquillaje",
                ),
                "nouns": [
                    w(
                        "化妆刷套装",
                        "makeup brush set",
                        "bộ cọ trang điểm",
                        "ชุดแปรงแต่งหน้า",
                        "set de brochas de maquillaje",
                    ),
                    w(
                        "美妆蛋",
                        "makeup sponge",
                        "bông mút trang điểm",
                        "ฟองน้ำแต่งหน้า",
                        "esponja de maquillaje",
                    ),
                ],
                "sku": "spec",
                "price": (590, 8900),
                "weight": (50, 400),
                "box": (250, 120, 60),
            },
            {
                "names": w(
                    "护肤工具",
                    "Skincare tools",
                    "Dụng cụ chăm sóc da",
                    "อุปกรณ์ดูแลผิว",
                    "Herramientas de cuidado facial",
                ),
                "nouns": [
                    w(
                        "洁面仪",
                        "facial cleansing brush",
                        "máy rửa mặt",
                        "เครื่องล้างหน้า",
                        "cepillo limpiador facial",
                    ),
                    w(
                        "面部按摩仪",
                        "face massager",
                        "máy massage mặt",
                        "เครื่องนวดหน้า",
                        "masajeador facial",
                    ),
                ],
                "sku": "colour",
                "price": (2900, 19900),
                "weight": (100, 400),
                "box": (200, 150, 80),
            },
            {
                "names": w(
                    "美发工具",
                    "Hair tools",
                    "Dụng cụ làm tóc",
                    "อุปกรณ์จัดแต่งทรงผม",
                    "Herramientas para el cabello",
                ),
                "nouns": [
                    w("卷发棒", "curling iron", "máy uốn tóc", "เครื่องม้วนผม", "rizador de pelo"),
                    w("发夹", "hair clip", "kẹp tóc", "กิ๊บติดผม", "pinza de pelo"),
                    w("梳子", "hair comb", "lược chải tóc", "หวี", "peine"),
                ],
                "sku": "colour",
                "price": (290, 15900),
                "weight": (30, 600),
                "box": (300, 120, 80),
            },
        ],
    },
    {
        "names": w(
            "运动户外",
            "Sports & outdoors",
            "Thể thao & dã ngoại",
            "กีฬาและกิจกรรมกลางแจ้ง",
            "Deportes y aire libre",
        ),
        "materials": ["nylon", "polyester", "rubber", "aluminium", "eva", "spandex"],
        "audiences": [
            AUDIENCES_APPAREL[0],
            AUDIENCES_APPAREL[1],
            AUDIENCES_APPAREL[2],
            NO_AUDIENCE[0],
        ],
        "styles": STYLES_GOODS,
        "leaves": [
            {
                "names": w("瑜伽用品", "Yoga", "Đồ tập yoga", "อุปกรณ์โยคะ", "Yoga"),
                "nouns": [
                    w("瑜伽垫", "yoga mat", "thảm tập yoga", "เสื่อโยคะ", "esterilla de yoga"),
                    w("瑜伽服", "yoga outfit", "đồ tập yoga", "ชุดโยคะ", "ropa de yoga"),
                ],
                "sku": "colour",
                "price": (1900, 12900),
                "weight": (300, 1500),
                "box": (650, 150, 150),
            },
            {
                "names": w(
                    "健身器材",
                    "Fitness equipment",
                    "Dụng cụ thể hình",
                    "อุปกรณ์ฟิตเนส",
                    "Equipamiento de fitness",
                ),
                "nouns": [
                    w("哑铃", "dumbbell", "tạ tay", "ดัมเบล", "mancuerna"),
                    w(
                        "弹力带",
                        "resistance band",
                        "dây kháng lực",
                        "ยางยืดออกกำลังกาย",
                        "banda elástica",
                    ),
                    w("跳绳", "jump rope", "dây nhảy", "เชือกกระโดด", "comba"),
                ],
                "sku": "spec",
                "price": (990, 19900),
                "weight": (100, 5000),
                "box": (300, 200, 150),
            },
            {
                "names": w("户外露营", "Camping", "Cắm trại", "แคมป์ปิ้ง", "Acampada"),
                "nouns": [
                    w("帐篷", "tent", "lều cắm trại", "เต็นท์", "tienda de campaña"),
                    w("折叠椅", "folding chair", "ghế gấp", "เก้าอี้พับ", "silla plegable"),
                    w("睡袋", "sleeping bag", "túi ngủ", "ถุงนอน", "saco de dormir"),
                ],
                "sku": "spec",
                "price": (4900, 39900),
                "weight": (800, 4000),
                "box": (600, 250, 250),
            },
            {
                "names": w("骑行装备", "Cycling", "Đồ đạp xe", "อุปกรณ์ปั่นจักรยาน", "Ciclismo"),
                "nouns": [
                    w(
                        "骑行手套",
                        "cycling gloves",
                        "găng tay đạp xe",
                        "ถุงมือปั่นจักรยาน",
                        "guantes de ciclismo",
                    ),
                    w("自行车灯", "bike light", "đèn xe đạp", "ไฟจักรยาน", "luz de bicicleta"),
                ],
                "sku": "colour",
                "price": (990, 8900),
                "weight": (50, 300),
                "box": (200, 120, 60),
            },
        ],
    },
    {
        "names": w(
            "宠物用品",
            "Pet supplies",
            "Đồ dùng thú cưng",
            "อุปกรณ์สัตว์เลี้ยง",
            "Artículos para mascotas",
        ),
        "materials": ["plush", "nylon", "plastic", "stainless", "cotton"],
        "audiences": [
            w("猫咪", "cat", "mèo", "แมว", "gato"),
            w("狗狗", "dog", "chó", "สุนัข", "perro"),
            w("宠物", "pet", "thú cưng", "สัตว์เลี้ยง", "mascota"),
        ],
        "styles": STYLES_GOODS,
        "leaves": [
            {
                "names": w(
                    "宠物窝", "Pet beds", "Ổ nằm thú cưng", "ที่นอนสัตว์เลี้ยง", "Camas para mascotas"
                ),
                "nouns": [
                    w("宠物窝", "pet bed", "ổ nằm", "ที่นอน", "cama"),
                    w("猫爬架", "cat tree", "trụ cào mèo", "คอนโดแมว", "rascador"),
                ],
                "sku": "spec",
                "price": (2900, 29900),
                "weight": (500, 5000),
                "box": (600, 500, 200),
            },
            {
                "names": w(
                    "牵引绳",
                    "Leashes & collars",
                    "Dây dắt & vòng cổ",
                    "สายจูงและปลอกคอ",
                    "Correas y collares",
                ),
                "nouns": [
                    w("牵引绳", "leash", "dây dắt", "สายจูง", "correa"),
                    w("项圈", "collar", "vòng cổ", "ปลอกคอ", "collar"),
                ],
                "sku": "spec",
                "price": (590, 5900),
                "weight": (50, 300),
                "box": (200, 150, 50),
            },
            {
                "names": w("宠物餐具", "Pet bowls", "Bát ăn thú cưng", "ชามอาหารสัตว์", "Comederos"),
                "nouns": [
                    w("宠物碗", "pet bowl", "bát ăn", "ชามอาหาร", "comedero"),
                    w(
                        "自动喂食器",
                        "automatic feeder",
                        "máy cho ăn tự động",
                        "เครื่องให้อาหารอัตโนมัติ",
                        "comedero automático",
                    ),
                ],
                "sku": "colour",
                "price": (990, 25900),
                "weight": (200, 2000),
                "box": (300, 300, 200),
            },
            {
                "names": w(
                    "宠物玩具",
                    "Pet toys",
                    "Đồ chơi thú cưng",
                    "ของเล่นสัตว์เลี้ยง",
                    "Juguetes para mascotas",
                ),
                "nouns": [
                    w("逗猫棒", "cat teaser wand", "cần câu mèo", "ไม้ตกแมว", "varita para gatos"),
                    w("磨牙玩具", "chew toy", "đồ chơi gặm", "ของเล่นขัดฟัน", "juguete para morder"),
                ],
                "sku": "colour",
                "price": (290, 3900),
                "weight": (30, 300),
                "box": (250, 120, 60),
            },
        ],
    },
]

# --- shops -------------------------------------------------------------------------------
# Brand words: Chinese, pinyin (used in en/vi/es), Thai transliteration.

SHOP_BRANDS: list[tuple[str, str, str]] = [
    ("星辉", "Xinghui", "ซิงฮุย"),
    ("恒达", "Hengda", "เหิงต๋า"),
    ("锦程", "Jincheng", "จิ่นเฉิง"),
    ("优品", "Youpin", "โหยวผิ่น"),
    ("华美", "Huamei", "หัวเหม่ย"),
    ("汇通", "Huitong", "ฮุ่ยทง"),
    ("盛源", "Shengyuan", "เซิ่งหยวน"),
    ("嘉禾", "Jiahe", "เจียเหอ"),
    ("金鼎", "Jinding", "จินติ่ง"),
    ("宏远", "Hongyuan", "หงหยวน"),
    ("鑫诚", "Xincheng", "ซินเฉิง"),
    ("博雅", "Boya", "ป๋อหย่า"),
    ("云朵", "Yunduo", "หยุนตั่ว"),
    ("初见", "Chujian", "ชูเจี้ยน"),
    ("木子", "Muzi", "มู่จื่อ"),
    ("小鹿", "Xiaolu", "เสี่ยวลู่"),
    ("橙意", "Chengyi", "เฉิงอี้"),
    ("森屿", "Senyu", "เซินอวี่"),
    ("暖阳", "Nuanyang", "หน่วนหยาง"),
    ("尚品", "Shangpin", "ซ่างผิ่น"),
    ("乐购", "Legou", "เล่อโก้ว"),
    ("天禧", "Tianxi", "เทียนสี่"),
    ("百川", "Baichuan", "ไป่ชวน"),
    ("卓越", "Zhuoyue", "จัวเยว่"),
]

# (province zh, city zh, city pinyin, city thai)
SHOP_LOCATIONS: list[tuple[str, str, str, str]] = [
    ("浙江省", "义乌市", "Yiwu", "อี้อู"),
    ("浙江省", "杭州市", "Hangzhou", "หางโจว"),
    ("浙江省", "温州市", "Wenzhou", "เวินโจว"),
    ("广东省", "广州市", "Guangzhou", "กวางโจว"),
    ("广东省", "深圳市", "Shenzhen", "เซินเจิ้น"),
    ("广东省", "东莞市", "Dongguan", "ตงกวน"),
    ("福建省", "泉州市", "Quanzhou", "เฉวียนโจว"),
    ("福建省", "莆田市", "Putian", "ผูเถียน"),
    ("江苏省", "苏州市", "Suzhou", "ซูโจว"),
    ("河北省", "保定市", "Baoding", "เป่าติ้ง"),
    ("山东省", "临沂市", "Linyi", "หลินอี๋"),
    ("上海市", "上海市", "Shanghai", "เซี่ยงไฮ้"),
]

# Shop name templates: "{}" takes the brand (with the city, for 1688 companies).
# 1688 sellers are companies; Taobao shops are stores.
SHOP_SUFFIX_1688: list[Word] = [
    w(
        "{}贸易有限公司",
        "{} Trading Co., Ltd.",
        "Công ty TNHH Thương mại {}",
        "บริษัท {} การค้า จำกัด",
        "{} Comercial S.L.",
    ),
    w(
        "{}服饰有限公司",
        "{} Apparel Co., Ltd.",
        "Công ty TNHH May mặc {}",
        "บริษัท {} เครื่องแต่งกาย จำกัด",
        "{} Confecciones S.L.",
    ),
    w(
        "{}日用品厂",
        "{} Daily Goods Factory",
        "Xưởng Đồ dùng {}",
        "โรงงานของใช้ {}",
        "Fábrica de Artículos {}",
    ),
    w(
        "{}电子商务有限公司",
        "{} E-commerce Co., Ltd.",
        "Công ty TNHH Thương mại điện tử {}",
        "บริษัท {} อีคอมเมิร์ซ จำกัด",
        "{} Comercio Electrónico S.L.",
    ),
    w(
        "{}实业有限公司",
        "{} Industrial Co., Ltd.",
        "Công ty TNHH Công nghiệp {}",
        "บริษัท {} อุตสาหกรรม จำกัด",
        "{} Industrial S.L.",
    ),
]
SHOP_SUFFIX_TAOBAO: list[Word] = [
    w(
        "{}旗舰店",
        "{} Flagship Store",
        "Cửa hàng chính hãng {}",
        "ร้านแฟล็กชิป {}",
        "Tienda Oficial {}",
    ),
    w(
        "{}专营店",
        "{} Specialty Store",
        "Cửa hàng chuyên doanh {}",
        "ร้านเฉพาะทาง {}",
        "Tienda Especializada {}",
    ),
    w("{}小铺", "{} Shop", "Tiệm {}", "ร้าน {}", "Tiendita {}"),
    w("{}工作室", "{} Studio", "{} Studio", "สตูดิโอ {}", "Estudio {}"),
    w("{}官方店", "{} Official Store", "Cửa hàng chính thức {}", "ร้านทางการ {}", "Tienda {}"),
]
