// 词表 Vocabulary labels [Chinese, English], written from hub/vocabulary.py (enum names as
// GraphQL sends them). A test checks they stay equal.
export const VOCAB = {
 "AssessmentKind": {
  "ENTRY": [
   "入学评估",
   "Entry"
  ],
  "PERIODIC": [
   "定期评估",
   "Periodic"
  ],
  "TRANSITION": [
   "转衔评估",
   "Transition"
  ]
 },
 "CaseStatus": {
  "OPEN": [
   "未销号",
   "Open"
  ],
  "CLOSED": [
   "已销号",
   "Closed"
  ]
 },
 "CenterLevel": {
  "CITY": [
   "市级",
   "City"
  ],
  "COUNTY": [
   "县级",
   "County"
  ],
  "TOWNSHIP": [
   "乡镇级",
   "Township"
  ],
  "SCHOOL": [
   "校级",
   "School"
  ]
 },
 "ChildCategory": {
  "ORPHAN": [
   "孤儿",
   "Orphan"
  ],
  "DE_FACTO_UNSUPPORTED": [
   "事实无人抚养儿童",
   "De facto unsupported"
  ],
  "IN_DIFFICULTY": [
   "困境儿童",
   "In difficulty"
  ],
  "SUBSISTENCE_FAMILY": [
   "低保家庭儿童",
   "Subsistence family"
  ]
 },
 "DisabilityCategory": {
  "VISION": [
   "视力残疾",
   "Vision"
  ],
  "HEARING": [
   "听力残疾",
   "Hearing"
  ],
  "SPEECH": [
   "言语残疾",
   "Speech"
  ],
  "PHYSICAL": [
   "肢体残疾",
   "Physical"
  ],
  "INTELLECTUAL": [
   "智力残疾",
   "Intellectual"
  ],
  "MENTAL": [
   "精神残疾",
   "Mental"
  ],
  "MULTIPLE": [
   "多重残疾",
   "Multiple"
  ]
 },
 "HomeDeliveryContent": {
  "EDUCATION": [
   "教育",
   "Education"
  ],
  "REHABILITATION": [
   "康复",
   "Rehabilitation"
  ],
  "HEALTH": [
   "保健",
   "Health"
  ]
 },
 "PlacementEnding": {
  "NEXT_PLACEMENT": [
   "新安置开始",
   "Next placement started"
  ],
  "SNAPSHOT": [
   "学籍快照",
   "School-status snapshot"
  ],
  "API": [
   "接口登记",
   "Recorded through the API"
  ]
 },
 "PlacementType": {
  "REGULAR_CLASS": [
   "随班就读",
   "Regular class"
  ],
  "SPECIAL_CLASS": [
   "特教班",
   "Special class"
  ],
  "SPECIAL_SCHOOL": [
   "特殊教育学校",
   "Special school"
  ],
  "HOME_DELIVERY": [
   "送教上门",
   "Home delivery"
  ],
  "REMOTE": [
   "远程教育",
   "Remote"
  ],
  "WELFARE_CLASS": [
   "福利机构特教班",
   "Welfare class"
  ]
 },
 "SchoolStatus": {
  "ACTIVE": [
   "在读",
   "Active"
  ],
  "SUSPENDED": [
   "休学",
   "Suspended"
  ],
  "TRANSFERRED": [
   "转出",
   "Transferred"
  ],
  "GRADUATED": [
   "毕业",
   "Graduated"
  ],
  "DROPPED_OUT": [
   "辍学",
   "Dropped out"
  ],
  "DECEASED": [
   "死亡",
   "Deceased"
  ]
 },
 "SchoolType": {
  "KINDERGARTEN": [
   "幼儿园",
   "Kindergarten"
  ],
  "PRIMARY": [
   "小学",
   "Primary"
  ],
  "JUNIOR": [
   "初中",
   "Junior"
  ],
  "NINE_YEAR": [
   "九年一贯制学校",
   "Nine year"
  ],
  "SENIOR": [
   "普通高中",
   "Senior"
  ],
  "COMPLETE_SECONDARY": [
   "完全中学",
   "Complete secondary"
  ],
  "TWELVE_YEAR": [
   "十二年一贯制学校",
   "Twelve year"
  ],
  "VOCATIONAL": [
   "中等职业学校",
   "Vocational"
  ],
  "SPECIAL": [
   "特殊教育学校",
   "Special"
  ]
 },
 "ScreeningResult": {
  "NEGATIVE": [
   "阴性",
   "Negative"
  ],
  "SUSPECTED": [
   "可疑",
   "Suspected"
  ],
  "POSITIVE": [
   "阳性",
   "Positive"
  ]
 },
 "ServiceKind": {
  "HOME_DELIVERY": [
   "送教上门",
   "Home delivery"
  ],
  "REHABILITATION": [
   "康复训练",
   "Rehabilitation"
  ],
  "ITINERANT_GUIDANCE": [
   "巡回指导",
   "Itinerant guidance"
  ],
  "HEALTH": [
   "医疗保健",
   "Health"
  ]
 },
 "SpecialNeed": {
  "AUTISM": [
   "孤独症",
   "Autism"
  ],
  "ADHD": [
   "注意缺陷多动障碍",
   "Adhd"
  ],
  "LEARNING": [
   "学习障碍",
   "Learning"
  ],
  "EMOTIONAL": [
   "情绪与行为障碍",
   "Emotional"
  ]
 },
 "Stage": {
  "PRESCHOOL": [
   "学前",
   "Preschool"
  ],
  "PRIMARY": [
   "小学",
   "Primary"
  ],
  "JUNIOR": [
   "初中",
   "Junior"
  ],
  "SENIOR": [
   "高中",
   "Senior"
  ],
  "VOCATIONAL": [
   "中职",
   "Vocational"
  ]
 },
 "TransitionStatus": {
  "PLANNED": [
   "已计划",
   "Planned"
  ],
  "HANDED_OVER": [
   "已交接",
   "Handed over"
  ],
  "COMPLETED": [
   "已完成",
   "Completed"
  ],
  "STALLED": [
   "中断",
   "Stalled"
  ]
 }
};
